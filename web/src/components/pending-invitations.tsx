import { useEffect, useRef, useState } from 'react';
import {
  PendingInvitationsDocument,
  ResendInvitationDocument,
  RevokeInvitationDocument,
  type PendingInvitationsQuery,
} from '../../../client/generated/graphql';
import { useSession } from '../session';
import { asTeamgraphError, useRequest } from '../use-request';
import { useConfirm } from './confirm-dialog';

type Invitation = PendingInvitationsQuery['team']['invitationConnection']['edges'][number]['node'];

const PAGE_SIZE = 20;
const NO_MORE = { rows: [], cursor: null };

/** The link an invitee opens; the token stays in the fragment, which browsers never send. */
export const invitationLink = (token: string) =>
  `${location.origin}/invitations/accept#token=${token}`;

interface Props {
  teamId: string;
  /** Bumped when the team's invitations may have changed (an invite here, live activity). */
  revision: number;
  /** Links known in this page, by invitation id: a token is shown once, when it is issued. */
  links: Record<string, string>;
  onLink(invitationId: string, link: string): void;
  disabled: boolean;
}

/** The team's pending invitations, for the owner and admins: resend, revoke, copy the link. */
export function PendingInvitations({ teamId, revision, links, onLink, disabled }: Props) {
  const { client } = useSession();
  const { confirm, dialog } = useConfirm();
  const first = useRequest(PendingInvitationsDocument, { teamId, first: PAGE_SIZE });
  const { reload } = first;
  /** Pages after the first, loaded by "Show more", and the cursor after the last of them. */
  const [more, setMore] = useState<{ rows: Invitation[]; cursor: string | null }>(NO_MORE);
  const [status, setStatus] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  /** Invitations whose link is shown for selecting by hand (no clipboard here). */
  const [shown, setShown] = useState<Record<string, boolean>>({});

  const loadedRevision = useRef(revision);
  useEffect(() => {
    if (loadedRevision.current === revision) return;
    loadedRevision.current = revision;
    setMore(NO_MORE);
    reload();
  }, [revision, reload]);

  const connection = first.data?.team.invitationConnection;
  if (!connection) return first.error ? <p className="error">{first.error.message}</p> : null;
  const seen = new Set<string>();
  const rows = [...connection.edges.map((e) => e.node), ...more.rows].filter(
    (i) => !seen.has(i.id) && Boolean(seen.add(i.id)),
  );
  const hasMore = rows.length < connection.totalCount;

  const act = async (work: () => Promise<string>) => {
    setStatus(null);
    setError(null);
    try {
      setStatus(await work());
      reload();
    } catch (caught) {
      setError(asTeamgraphError(caught).message);
    }
  };

  const resend = (invitation: Invitation) =>
    act(async () => {
      const { resendInvitation } = await client.request(ResendInvitationDocument, {
        id: invitation.id,
      });
      onLink(invitation.id, invitationLink(resendInvitation.token));
      return `Sent again to ${invitation.email}; the earlier link no longer works.`;
    });

  const revoke = async (invitation: Invitation) => {
    const ok = await confirm({
      title: `Revoke the invitation to ${invitation.email}?`,
      consequence: <p>The link in their e-mail stops working. You can invite them again later.</p>,
      confirmLabel: 'Revoke invitation',
      danger: true,
    });
    if (!ok) return;
    await act(async () => {
      await client.request(RevokeInvitationDocument, { id: invitation.id });
      return `The invitation to ${invitation.email} was revoked.`;
    });
  };

  const copy = async (invitation: Invitation, link: string) => {
    try {
      await navigator.clipboard.writeText(link);
      setStatus(`The link for ${invitation.email} is on the clipboard.`);
    } catch {
      // No clipboard (an insecure origin, or permission refused): show it to select by hand.
      setShown((s) => ({ ...s, [invitation.id]: true }));
    }
  };

  const loadMore = async () => {
    const after = more.rows.length ? more.cursor : (connection.pageInfo.endCursor ?? null);
    try {
      const page = await client.request(PendingInvitationsDocument, {
        teamId,
        first: PAGE_SIZE,
        after,
      });
      const next = page.team.invitationConnection;
      setMore((old) => ({
        rows: [...old.rows, ...next.edges.map((e) => e.node)],
        cursor: next.pageInfo.endCursor ?? null,
      }));
    } catch (caught) {
      setError(asTeamgraphError(caught).message);
    }
  };

  return (
    <section className="invitations" aria-labelledby="pending-invitations">
      <h2 id="pending-invitations">Pending invitations ({connection.totalCount})</h2>
      {rows.length === 0 && <p className="muted">No invitations are waiting for an answer.</p>}
      <ul data-testid="pending-invitations">
        {rows.map((invitation) => {
          const link = links[invitation.id];
          return (
            <li key={invitation.id}>
              <span className="who">{invitation.email}</span>{' '}
              <span className="role">{invitation.role.toLowerCase()}</span>{' '}
              <span className="when">
                expires{' '}
                <time dateTime={invitation.expiresAt}>
                  {new Date(invitation.expiresAt).toLocaleDateString()}
                </time>
              </span>
              {!disabled && (
                <span className="row-actions">
                  <button
                    className="secondary small"
                    aria-label={`Resend the invitation to ${invitation.email}`}
                    onClick={() => void resend(invitation)}
                  >
                    Resend
                  </button>
                  {link && (
                    <button
                      className="secondary small"
                      aria-label={`Copy link for ${invitation.email}`}
                      onClick={() => void copy(invitation, link)}
                    >
                      Copy link
                    </button>
                  )}
                  <button
                    className="secondary small"
                    aria-label={`Revoke the invitation to ${invitation.email}`}
                    onClick={() => void revoke(invitation)}
                  >
                    Revoke
                  </button>
                </span>
              )}
              {link && shown[invitation.id] && (
                <label className="link-field">
                  Invitation link for {invitation.email} (select and copy it)
                  <input readOnly value={link} onFocus={(e) => e.target.select()} />
                </label>
              )}
            </li>
          );
        })}
      </ul>
      {hasMore && (
        <button className="secondary" onClick={() => void loadMore()}>
          Show more invitations
        </button>
      )}
      {status && (
        <p className="muted" role="status">
          {status}
        </p>
      )}
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {dialog}
    </section>
  );
}
