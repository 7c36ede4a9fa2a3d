import { useState } from 'react';
import { TeamgraphError } from '../../../client/src';
import { DeleteAccountDocument } from '../../../client/generated/graphql';
import { useSession } from '../session';
import { ConfirmDialog } from './confirm-dialog';
import { CurrentPasswordField, SecondFactorField } from './identity-fields';

interface Team {
  id: string;
  name: string;
}

/** The teams a CONFLICT from deleteAccount names (`extensions.teams`), if any. */
function blockingTeamsOf(error: unknown): Team[] | null {
  if (!(error instanceof TeamgraphError) || error.code !== 'CONFLICT') return null;
  const teams = error.errors[0]?.extensions?.teams;
  return Array.isArray(teams) ? (teams as Team[]) : null;
}

/**
 * Deleting the account: refused while I own a team (the API's rule), so those teams are named
 * first; otherwise a confirmation that says what is lost, with the password (and code).
 */
export function DeleteAccount(props: {
  ownedTeams: Team[];
  teamCount: number;
  twoFactorEnabled: boolean;
  onBlocked(): void;
}) {
  const { client, endSession } = useSession();
  const [asking, setAsking] = useState(false);
  const [password, setPassword] = useState('');
  const [code, setCode] = useState('');
  const [blocking, setBlocking] = useState<Team[] | null>(null);
  const owned = props.ownedTeams.length ? props.ownedTeams : (blocking ?? []);

  const close = () => {
    setAsking(false);
    setPassword('');
    setCode('');
  };

  return (
    <section className="card stack danger-zone" aria-labelledby="delete-account">
      <h2 id="delete-account">Delete your account</h2>
      {owned.length > 0 ? (
        <div className="notice" role="status">
          <p>Your account cannot be deleted while you own these teams:</p>
          <ul aria-label="Teams you own">
            {owned.map((team) => (
              <li key={team.id}>{team.name}</li>
            ))}
          </ul>
          <p>Transfer their ownership to another member, or delete them, first.</p>
        </div>
      ) : (
        <p>
          This ends your membership in every team, signs out every device and erases your name and
          e-mail address. It cannot be undone.
        </p>
      )}
      <div className="actions">
        <button
          type="button"
          className="danger"
          disabled={owned.length > 0}
          onClick={() => setAsking(true)}
        >
          Delete my account
        </button>
      </div>
      {asking && (
        <ConfirmDialog
          title="Delete your account?"
          confirmLabel="Delete my account for good"
          danger
          onCancel={close}
          onConfirm={async () => {
            try {
              await client.request(DeleteAccountDocument, {
                password,
                code: props.twoFactorEnabled ? code : null,
              });
            } catch (error) {
              const teams = blockingTeamsOf(error);
              if (!teams) throw error;
              // A team became mine meanwhile: show it where the others are named.
              setBlocking(teams);
              close();
              props.onBlocked();
              return;
            }
            close();
            endSession('Your account was deleted. Everything that named you was erased.');
          }}
        >
          <p>You lose, at once and for good:</p>
          <ul>
            <li>
              {props.teamCount === 0
                ? 'nothing in any team (you belong to none);'
                : `your membership in ${props.teamCount === 1 ? 'your one team' : `all ${props.teamCount} of your teams`};`}
            </li>
            <li>every session, on every device;</li>
            <li>your name and e-mail address (past activity shows “a deleted user”).</li>
          </ul>
          <CurrentPasswordField value={password} onChange={setPassword} />
          {props.twoFactorEnabled && <SecondFactorField value={code} onChange={setCode} />}
        </ConfirmDialog>
      )}
    </section>
  );
}
