import { useId, useState, type FormEvent } from 'react';
import {
  ChangeMemberRoleDocument,
  InviteMemberDocument,
  RemoveMemberDocument,
  type Role,
  type TeamPageQuery,
} from '../../../client/generated/graphql';
import { useSession } from '../session';
import { asTeamgraphError } from '../use-request';
import { useConfirm } from './confirm-dialog';
import { invitationLink, PendingInvitations } from './pending-invitations';

type Member = TeamPageQuery['team']['members'][number];

/** The same rules as the server's permission map, so nobody sees a button that would fail. */
const canInvite = (me: Role) => me === 'OWNER' || me === 'ADMIN';
const canRemove = (me: Role, them: Role) =>
  (me === 'OWNER' && them !== 'OWNER') || (me === 'ADMIN' && them === 'MEMBER');
const canChangeRole = (me: Role, them: Role) => me === 'OWNER' && them !== 'OWNER';

interface Props {
  teamId: string;
  myRole: Role;
  myId: string | undefined;
  members: Member[];
  disabled: boolean;
  onChanged(): void;
  /** Bumped by the team's live activity about invitations. */
  invitationsRevision: number;
}

export function Members({
  teamId,
  myRole,
  myId,
  members,
  disabled,
  onChanged,
  invitationsRevision,
}: Props) {
  const { client } = useSession();
  const { confirm, dialog } = useConfirm();
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<Role>('MEMBER');
  const [message, setMessage] = useState<string | null>(null);
  const [link, setLink] = useState<string | null>(null);
  /** Invitation links issued in this page (a token is shown once), by invitation id. */
  const [links, setLinks] = useState<Record<string, string>>({});
  const [invited, setInvited] = useState(0);
  const headingId = useId();

  const act = async (work: () => Promise<unknown>) => {
    setMessage(null);
    try {
      await work();
      onChanged();
    } catch (caught) {
      setMessage(asTeamgraphError(caught).message);
    }
  };

  const invite = (event: FormEvent) => {
    event.preventDefault();
    void act(async () => {
      const { inviteMember } = await client.request(InviteMemberDocument, { teamId, email, role });
      const issued = invitationLink(inviteMember.token);
      setLink(issued);
      setLinks((known) => ({ ...known, [inviteMember.invitation.id]: issued }));
      setInvited((n) => n + 1);
      setEmail('');
    });
  };

  const changeRole = async (member: Member, next: Role) => {
    const name = member.user.displayName;
    const promoted = next === 'ADMIN';
    const ok = await confirm({
      title: `Make ${name} ${promoted ? 'an admin' : 'a member'}?`,
      consequence: promoted ? (
        <p>
          As an admin, {name} can rename the team, invite people as members, resend and revoke
          invitations, and remove members.
        </p>
      ) : (
        <p>
          {name} will no longer manage the team (no inviting or removing), and the invitations{' '}
          {name} sent that are still pending are revoked.
        </p>
      ),
      confirmLabel: promoted ? 'Make admin' : 'Make member',
    });
    if (ok)
      await act(() =>
        client.request(ChangeMemberRoleDocument, { teamId, userId: member.user.id, role: next }),
      );
  };

  const remove = async (member: Member) => {
    const name = member.user.displayName;
    const ok = await confirm({
      title: `Remove ${name} from the team?`,
      consequence: (
        <p>
          {name} loses access at once: their open pages stop updating and they no longer see the
          team&apos;s activity, items or members. Only a new invitation brings them back.
        </p>
      ),
      confirmLabel: `Remove ${name}`,
      danger: true,
    });
    if (ok)
      await act(() => client.request(RemoveMemberDocument, { teamId, userId: member.user.id }));
  };

  return (
    <section className="members" aria-labelledby={headingId}>
      <h2 id={headingId}>Members</h2>
      <ul data-testid="members">
        {members.map((m) => (
          <li key={m.user.id} data-user={m.user.id}>
            <span className="who">{m.user.displayName}</span>{' '}
            {canChangeRole(myRole, m.role) && !disabled ? (
              <select
                aria-label={`Role of ${m.user.displayName}`}
                value={m.role}
                // The select stays on the current role until the change is confirmed and done.
                onChange={(e) => void changeRole(m, e.target.value as Role)}
              >
                <option value="ADMIN">admin</option>
                <option value="MEMBER">member</option>
              </select>
            ) : (
              <span className="role">{m.role.toLowerCase()}</span>
            )}
            {canRemove(myRole, m.role) && m.user.id !== myId && !disabled && (
              <button
                className="secondary small"
                data-testid="remove-member"
                aria-label={`Remove ${m.user.displayName}`}
                onClick={() => void remove(m)}
              >
                Remove
              </button>
            )}
          </li>
        ))}
      </ul>
      {canInvite(myRole) && !disabled && (
        <form onSubmit={invite} className="inline invite" data-testid="invite-form">
          <label>
            E-mail to invite
            <input
              type="email"
              placeholder="colleague@example.com"
              required
              value={email}
              onChange={(e) => setEmail(e.target.value)}
            />
          </label>
          <label>
            Role
            <select value={role} onChange={(e) => setRole(e.target.value as Role)}>
              <option value="MEMBER">member</option>
              {myRole === 'OWNER' && <option value="ADMIN">admin</option>}
            </select>
          </label>
          <button type="submit">Invite</button>
        </form>
      )}
      {link && (
        <p className="muted">
          Invitation sent. Link (shown once): <code data-testid="invite-link">{link}</code>
        </p>
      )}
      {message && (
        <p className="error" role="alert">
          {message}
        </p>
      )}
      {canInvite(myRole) && (
        <PendingInvitations
          teamId={teamId}
          revision={invitationsRevision + invited}
          links={links}
          onLink={(id, issued) => setLinks((known) => ({ ...known, [id]: issued }))}
          disabled={disabled}
        />
      )}
      {dialog}
    </section>
  );
}
