import { useState, type FormEvent } from 'react';
import {
  CreateTeamDocument,
  MyInvitationsDocument,
  MyTeamsDocument,
} from '../../../client/generated/graphql';
import { MyInvitations } from '../components/my-invitations';
import { navigate, navigationNotice } from '../router';
import { useSession } from '../session';
import { asTeamgraphError, useRequest } from '../use-request';

/** My teams, each with its unread count, and a form to start a new one. */
export function TeamsPage() {
  const { client } = useSession();
  const teams = useRequest(MyTeamsDocument, {});
  const invitations = useRequest(MyInvitationsDocument, {});
  const [notice, setNotice] = useState(navigationNotice);
  const [name, setName] = useState('');
  const [error, setError] = useState<string | null>(null);

  const create = async (event: FormEvent) => {
    event.preventDefault();
    try {
      const { createTeam } = await client.request(CreateTeamDocument, { name });
      navigate(`/teams/${createTeam.id}`);
    } catch (caught) {
      setError(asTeamgraphError(caught).message);
    }
  };

  const me = teams.data?.me;
  const waiting = invitations.data?.myInvitations ?? [];
  return (
    <section className="card">
      <h1>My teams</h1>
      {me && (
        <p className="muted">
          Signed in as {me.displayName} ({me.email})
        </p>
      )}
      {notice && (
        <p className="notice" role="status" data-testid="home-notice">
          {notice}
        </p>
      )}
      <MyInvitations
        invitations={waiting}
        onAnswered={(message) => {
          setNotice(message);
          invitations.reload();
        }}
      />
      {teams.error && <p className="error">{teams.error.message}</p>}
      {invitations.error && (
        <p className="error">Your invitations could not be read: {invitations.error.message}</p>
      )}
      <ul className="teams" data-testid="my-teams">
        {me?.teams.map(({ team, role }) => (
          <li key={team.id}>
            <a
              href={`/teams/${team.id}`}
              onClick={(e) => {
                e.preventDefault();
                navigate(`/teams/${team.id}`);
              }}
            >
              {team.name}
            </a>{' '}
            <span className="role">{role.toLowerCase()}</span>
            {team.unreadCount > 0 && <span className="badge">{team.unreadCount}</span>}
          </li>
        ))}
        {me && me.teams.length === 0 && invitations.data && waiting.length === 0 && (
          <li className="muted">No teams yet.</li>
        )}
      </ul>
      <form onSubmit={create} className="inline">
        <label>
          New team name
          <input required value={name} onChange={(e) => setName(e.target.value)} />
        </label>
        <button type="submit">Create team</button>
      </form>
      {error && <p className="error">{error}</p>}
    </section>
  );
}
