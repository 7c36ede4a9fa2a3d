import { useEffect } from 'react';
import { AuthPage } from './pages/auth-page';
import { InvitationPage } from './pages/invitation-page';
import { TeamPage } from './pages/team-page';
import { TeamsPage } from './pages/teams-page';
import { navigate, usePath } from './router';
import { useSession } from './session';

export function App() {
  const path = usePath();
  const { token, signOut } = useSession();
  const needsSession = path !== '/invitations/accept' && path !== '/signup' && path !== '/login';
  useEffect(() => {
    if (!token && needsSession) navigate('/login', { replace: true });
    if (token && (path === '/' || path === '/login' || path === '/signup'))
      navigate('/teams', { replace: true });
  }, [token, path, needsSession]);

  const team = /^\/teams\/([0-9a-f-]{36})$/.exec(path);
  let page;
  if (path === '/invitations/accept') page = <InvitationPage />;
  else if (!token) page = <AuthPage mode={path === '/signup' ? 'signup' : 'login'} />;
  else if (team) page = <TeamPage teamId={team[1]} />;
  else page = <TeamsPage />;

  return (
    <>
      <header className="topbar">
        <a
          href="/teams"
          className="brand"
          onClick={(e) => {
            e.preventDefault();
            navigate('/teams');
          }}
        >
          teamgraph
        </a>
        {token && (
          <button className="link" data-testid="log-out" onClick={signOut}>
            Log out
          </button>
        )}
      </header>
      <main>{page}</main>
    </>
  );
}
