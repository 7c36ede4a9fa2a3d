import { randomBytes } from 'node:crypto';
import type { TestApp } from '../support/test-app';
import type { RoleName, TestTeam } from './team.factory';
import type { TestUser } from './user.factory';

export interface TestInvitation {
  id: string;
  teamId: string;
  email: string;
  role: Exclude<RoleName, 'OWNER'>;
  /** The one-time token, as the inviter sees it once. */
  token: string;
}

export const INVITE = `mutation ($teamId: ID!, $email: String!, $role: Role) {
  inviteMember(teamId: $teamId, email: $email, role: $role) {
    token invitation { id email role status expiresAt createdAt invitedBy { id } }
  }
}`;

/** An address nobody has signed up with. */
export const freshEmail = (label = 'invitee') =>
  `${label}-${randomBytes(4).toString('hex')}@example.com`;

/** Invites through the API (by the team's OWNER unless `inviter` is given). */
export async function buildInvitation(
  app: TestApp,
  team: TestTeam,
  options: { email?: string; role?: 'ADMIN' | 'MEMBER'; inviter?: TestUser } = {},
): Promise<TestInvitation> {
  const email = options.email ?? freshEmail();
  const role = options.role ?? 'MEMBER';
  const response = await app.gql<{ inviteMember: { token: string; invitation: { id: string } } }>(
    INVITE,
    { teamId: team.id, email, role },
    (options.inviter ?? team.owner).token,
  );
  if (!response.data?.inviteMember) {
    throw new Error(`inviteMember failed: ${JSON.stringify(response.errors)}`);
  }
  const { token, invitation } = response.data.inviteMember;
  return { id: invitation.id, teamId: team.id, email: email.toLowerCase(), role, token };
}

/** Moves an invitation's expiry into the past, as if its time had run out. */
export async function expireInvitation(app: TestApp, invitationId: string): Promise<void> {
  await app.sql(`UPDATE invitations SET expires_at = now() - interval '1 minute' WHERE id = $1`, [
    invitationId,
  ]);
}
