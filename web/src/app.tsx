import { useEffect, useRef } from 'react';
import { AppLink } from './components/app-link';
import { AccountPage } from './pages/account-page';
import { isOpenAccountPath, openAccountPage } from './pages/account-routes';
import { AuthPage } from './pages/auth-page';
import { InvitationPage } from './pages/invitation-page';
import { TeamPage } from './pages/team-page';
import { TeamsPage } from './pages/teams-page';
import { navigate, usePath } from './router';
import { useSession } from './session';

/** Where a signed-out visitor was going: they come back to it after log-in. */
const RETURN_KEY = 'teamgraph.return-to';

export function App() {
  const path = usePath();
  const { token, logOut, endedReason } = useSession();
  const hadSession = useRef(Boolean(token));
  const needsSession =
    path !== '/invitations/accept' &&
    path !== '/signup' &&
    path !== '/login' &&
    !isOpenAccountPath(path);
  useEffect(() => {
    if (!token && needsSession) {
      // After "Log out" the next log-in starts afresh; anyone sent here otherwise comes back.
      const loggedOut = hadSession.current && !endedReason;
      if (loggedOut || path === '/') sessionStorage.removeItem(RETURN_KEY);
      else sessionStorage.setItem(RETURN_KEY, path);
      navigate('/login', { replace: true });
    }
    if (token && (path === '/' || path === '/login' || path === '/signup')) {
      const back = sessionStorage.getItem(RETURN_KEY);
      sessionStorage.removeItem(RETURN_KEY);
      navigate(back ?? '/teams', { replace: true });
    }
    hadSession.current = Boolean(token);
  }, [token, path, needsSession, endedReason]);

  const team = /^\/teams\/([0-9a-f-]{36})$/.exec(path);
  let page;
  if (path === '/invitations/accept') page = <InvitationPage />;
  else if (isOpenAccountPath(path)) page = openAccountPage(path);
  else if (!token) page = <AuthPage mode={path === '/signup' ? 'signup' : 'login'} />;
  else if (team) page = <TeamPage teamId={team[1]} />;
  else if (path === '/account') page = <AccountPage />;
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
          <nav className="topnav" aria-label="Account">
            <AppLink to="/account">Account</AppLink>
            <button className="link" data-testid="log-out" onClick={() => void logOut()}>
              Log out
            </button>
          </nav>
        )}
      </header>
      <main>{page}</main>
    </>
  );
}
