import { useState } from 'react';
import {
  AcceptMyInvitationDocument,
  DeclineMyInvitationDocument,
  type MyInvitationsQuery,
} from '../../../client/generated/graphql';
import { navigate } from '../router';
import { useSession } from '../session';
import { asTeamgraphError } from '../use-request';

type Invitation = MyInvitationsQuery['myInvitations'][number];

interface Props {
  invitations: Invitation[];
  /** After a decline: the list is read again. */
  onAnswered(message: string): void;
}

/** Invitations waiting for me, answered here by id (my verified address stands for the link). */
export function MyInvitations({ invitations, onAnswered }: Props) {
  const { client } = useSession();
  const [error, setError] = useState<string | null>(null);
  if (invitations.length === 0) return null;

  const accept = async (invitation: Invitation) => {
    setError(null);
    try {
      const { acceptMyInvitation } = await client.request(AcceptMyInvitationDocument, {
        id: invitation.id,
      });
      navigate(`/teams/${acceptMyInvitation.team.id}`);
    } catch (caught) {
      setError(asTeamgraphError(caught).message);
    }
  };
  const decline = async (invitation: Invitation) => {
    setError(null);
    try {
      await client.request(DeclineMyInvitationDocument, { id: invitation.id });
      onAnswered(`You declined the invitation to ${invitation.teamName}.`);
    } catch (caught) {
      setError(asTeamgraphError(caught).message);
    }
  };

  return (
    <section className="my-invitations" aria-labelledby="my-invitations">
      <h2 id="my-invitations">Invitations waiting for you</h2>
      <ul data-testid="my-invitations">
        {invitations.map((invitation) => (
          <li key={invitation.id}>
            <p>
              <strong>{invitation.invitedBy.displayName}</strong> invites you to join{' '}
              <strong>{invitation.teamName}</strong> as {invitation.role.toLowerCase()} (until{' '}
              <time dateTime={invitation.expiresAt}>
                {new Date(invitation.expiresAt).toLocaleDateString()}
              </time>
              ).
            </p>
            <div className="actions">
              <button
                aria-label={`Accept and join ${invitation.teamName}`}
                onClick={() => void accept(invitation)}
              >
                Accept
              </button>
              <button
                className="secondary"
                aria-label={`Decline the invitation to ${invitation.teamName}`}
                onClick={() => void decline(invitation)}
              >
                Decline
              </button>
            </div>
          </li>
        ))}
      </ul>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
    </section>
  );
}
