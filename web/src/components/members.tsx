import { useState, type FormEvent } from 'react';
import {
  ChangeMemberRoleDocument,
  InviteMemberDocument,
  RemoveMemberDocument,
  type Role,
  type TeamPageQuery,
} from '../../../client/generated/graphql';
import { useSession } from '../session';
import { asTeamgraphError } from '../use-request';

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
}

export function Members({ teamId, myRole, myId, members, disabled, onChanged }: Props) {
  const { client } = useSession();
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<Role>('MEMBER');
  const [message, setMessage] = useState<string | null>(null);
  const [link, setLink] = useState<string | null>(null);

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
      setLink(`${location.origin}/invitations/accept#token=${inviteMember.token}`);
      setEmail('');
    });
  };

  return (
    <section className="members">
      <h2>Members</h2>
      <ul data-testid="members">
        {members.map((m) => (
          <li key={m.user.id} data-user={m.user.id}>
            <span className="who">{m.user.displayName}</span>{' '}
            {canChangeRole(myRole, m.role) && !disabled ? (
              <select
                aria-label={`Role of ${m.user.displayName}`}
                value={m.role}
                onChange={(e) =>
                  act(() =>
                    client.request(ChangeMemberRoleDocument, {
                      teamId,
                      userId: m.user.id,
                      role: e.target.value as Role,
                    }),
                  )
                }
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
                onClick={() =>
                  act(() => client.request(RemoveMemberDocument, { teamId, userId: m.user.id }))
                }
              >
                Remove
              </button>
            )}
          </li>
        ))}
      </ul>
      {canInvite(myRole) && !disabled && (
        <form onSubmit={invite} className="inline" data-testid="invite-form">
          <input
            type="email"
            aria-label="E-mail to invite"
            placeholder="colleague@example.com"
            required
            value={email}
            onChange={(e) => setEmail(e.target.value)}
          />
          <select aria-label="Role" value={role} onChange={(e) => setRole(e.target.value as Role)}>
            <option value="MEMBER">member</option>
            {myRole === 'OWNER' && <option value="ADMIN">admin</option>}
          </select>
          <button type="submit">Invite</button>
        </form>
      )}
      {link && (
        <p className="muted">
          Invitation sent. Link (shown once): <code data-testid="invite-link">{link}</code>
        </p>
      )}
      {message && <p className="error">{message}</p>}
    </section>
  );
}
