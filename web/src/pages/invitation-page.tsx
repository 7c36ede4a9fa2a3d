import { useState } from 'react';
import {
  AcceptInvitationDocument,
  DeclineInvitationDocument,
  InvitationPreviewDocument,
} from '../../../client/generated/graphql';
import { AuthForm } from '../components/auth-form';
import { navigate } from '../router';
import { useSession } from '../session';
import { asTeamgraphError, useRequest } from '../use-request';

/** The token lives in the fragment (never sent to the server by the browser) until used. */
const tokenFromFragment = () => new URLSearchParams(location.hash.slice(1)).get('token') ?? '';

/** /invitations/accept#token=…: what the invitation is, then sign up or in, then accept or decline. */
export function InvitationPage() {
  const { client, token: session } = useSession();
  const [token] = useState(tokenFromFragment);
  const preview = useRequest(InvitationPreviewDocument, { token }, !token);
  const [outcome, setOutcome] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  const accept = async () => {
    try {
      const { acceptInvitation } = await client.request(AcceptInvitationDocument, { token });
      // Drop the used token from the address bar and the history entry.
      navigate(`/teams/${acceptInvitation.team.id}`, { replace: true });
    } catch (caught) {
      setError(asTeamgraphError(caught).message);
    }
  };
  const decline = async () => {
    try {
      await client.request(DeclineInvitationDocument, { token });
      history.replaceState(null, '', '/invitations/accept');
      setOutcome('You declined the invitation.');
    } catch (caught) {
      setError(asTeamgraphError(caught).message);
    }
  };

  const invitation = preview.data?.invitationPreview;
  if (outcome) return <section className="card">{outcome}</section>;
  return (
    <section className="card" data-testid="invitation">
      <h1>Invitation</h1>
      {preview.loading && <p className="muted">Checking the invitation…</p>}
      {!token || (preview.data && !invitation) ? (
        <p className="error">
          This invitation link is not valid any more (used, revoked or expired).
        </p>
      ) : null}
      {invitation && (
        <p data-testid="invitation-preview">
          <strong>{invitation.inviterName}</strong> invites you to join{' '}
          <strong>{invitation.teamName}</strong> as {invitation.role.toLowerCase()}. The invitation
          expires {new Date(invitation.expiresAt).toLocaleString()}.
        </p>
      )}
      {invitation && !session && (
        <>
          <p className="muted">
            Sign up (or log in) with the e-mail address the invitation went to.
          </p>
          <AuthForm initialMode="signup" />
        </>
      )}
      {invitation && session && (
        <div className="actions">
          <button onClick={accept} data-testid="accept">
            Accept and join {invitation.teamName}
          </button>
          <button className="secondary" onClick={decline} data-testid="decline">
            Decline
          </button>
        </div>
      )}
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
    </section>
  );
}
