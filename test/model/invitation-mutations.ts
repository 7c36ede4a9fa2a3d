import {
  accessRole,
  accountById,
  canInviteAs,
  canManage,
  recordRow,
  roleOf,
  teamById,
  type Invitation,
  type Model,
  type Role,
} from './promises';
import { spelled } from './account-mutations';
import {
  fail,
  mutation,
  nth,
  pickActor,
  signedIn,
  succeed,
  type Actor,
  type Outcome,
  type Request,
} from './mutation-spec';
import { teamScoped } from './team-mutations';

/** Whether a live member of the team now holds `email`. */
const memberHolds = (model: Model, teamId: string, email: string): boolean =>
  Object.keys(teamById(model, teamId)?.members ?? {}).some(
    (id) => accountById(model, id)?.email === email,
  );

export const inviteMember = teamScoped(
  `mutation ($teamId: ID!, $email: String!, $role: Role) {
    inviteMember(teamId: $teamId, email: $email, role: $role) { token invitation { id } }
  }`,
  (teamId, _target, picks, model) => ({
    teamId,
    email: spelled(model.addresses[picks.other % model.addresses.length], picks.choice),
    role: picks.choice % 3 ? 'MEMBER' : 'ADMIN',
  }),
  (model, account, team, intent) => {
    const email = String(intent.request.variables.email).trim().toLowerCase();
    const role = intent.request.variables.role as Exclude<Role, 'OWNER'>;
    if (!team || !canInviteAs(accessRole(model, team.id, account.id), role))
      return fail('FORBIDDEN');
    if (memberHolds(model, team.id, email)) return fail('CONFLICT');
    const open = model.invitations.some(
      (i) => i.teamId === team.id && i.email === email && i.status === 'PENDING',
    );
    if (open) return fail('CONFLICT');
    return succeed((next, served) => {
      const value = served.value as { token: string; invitation: { id: string } };
      next.invitations.push({
        id: value.invitation.id,
        teamId: team.id,
        email,
        role,
        invitedBy: account.id,
        status: 'PENDING',
        tokens: [{ token: value.token, live: true }],
      });
      recordRow(next, teamById(next, team.id)!, 'MEMBER_INVITED');
    });
  },
);

interface InvitationIntent {
  request: Request;
  actor: Actor;
  invitationId: string;
  token: string;
}

/**
 * An invitation of the run (its team may be gone) and one of its tokens, often the newest.
 * Managers name it by id; invitees answer by token or (their own) by id.
 */
function invitationPlan(query: string, by: 'manager' | 'token' | 'invitee-id') {
  const byToken = by === 'token';
  const byInvitee = by !== 'manager';
  return (model: Model, picks: { actor: number; invitation: number; choice: number }) => {
    const invitation = nth(model.invitations, picks.invitation);
    // Invitees mostly act on their own invitations: the account holding the address, if any.
    const invitee = invitation
      ? model.accounts.findIndex((a) => !a.deleted && a.email === invitation.email)
      : -1;
    const actorIndex = byInvitee && invitee >= 0 && picks.choice % 4 !== 3 ? invitee : picks.actor;
    const actor = pickActor(model, {
      ...picks,
      actor: actorIndex,
      other: 0,
      team: 0,
      item: 0,
      instance: 0,
    });
    if (!invitation || !actor) return null;
    const tokens = invitation.tokens;
    const token =
      picks.choice % 3 ? tokens[tokens.length - 1].token : nth(tokens, picks.choice)!.token;
    return {
      actor,
      invitationId: invitation.id,
      token,
      request: {
        query,
        variables: byToken ? { token } : { id: invitation.id },
        token: actor.token,
      },
    };
  };
}

/** In `next`, the invitation of the intent. */
const invitationIn = (next: Model, id: string): Invitation =>
  next.invitations.find((i) => i.id === id)!;

function managed(
  model: Model,
  intent: InvitationIntent,
  then: (invitation: Invitation, role: Role | null) => Outcome[],
): Outcome[] {
  const account = signedIn(model, intent.actor);
  if (!account) return fail('UNAUTHENTICATED');
  const invitation = invitationIn(model, intent.invitationId);
  if (!teamById(model, invitation.teamId)) return fail('FORBIDDEN');
  return then(invitation, accessRole(model, invitation.teamId, account.id));
}

export const resendInvitation = mutation<InvitationIntent>({
  plan: invitationPlan(
    `mutation ($id: ID!) { resendInvitation(id: $id) { token invitation { id } } }`,
    'manager',
  ),
  expect: (model, intent) =>
    managed(model, intent, (invitation, role) => {
      if (!canInviteAs(role, invitation.role)) return fail('FORBIDDEN');
      if (invitation.status !== 'PENDING') return fail('CONFLICT');
      if (memberHolds(model, invitation.teamId, invitation.email)) return fail('CONFLICT');
      return succeed((next, served) => {
        const resent = invitationIn(next, intent.invitationId);
        for (const t of resent.tokens) t.live = false;
        resent.tokens.push({ token: (served.value as { token: string }).token, live: true });
        recordRow(next, teamById(next, resent.teamId)!, 'INVITATION_RESENT');
      });
    }),
});

export const revokeInvitation = mutation<InvitationIntent>({
  plan: invitationPlan(`mutation ($id: ID!) { revokeInvitation(id: $id) { id } }`, 'manager'),
  expect: (model, intent) =>
    managed(model, intent, (invitation, role) => {
      if (!canManage(role)) return fail('FORBIDDEN');
      if (invitation.status !== 'PENDING') return fail('CONFLICT');
      return succeed((next) => {
        const revoked = invitationIn(next, intent.invitationId);
        revoked.status = 'REVOKED';
        for (const t of revoked.tokens) t.live = false;
        recordRow(next, teamById(next, revoked.teamId)!, 'INVITATION_REVOKED');
      });
    }),
});

/** Accepting and declining: the token's invitation, open and addressed to the caller. */
function answered(
  model: Model,
  intent: InvitationIntent,
  then: (invitation: Invitation, accountId: string) => Outcome[],
): Outcome[] {
  const account = signedIn(model, intent.actor);
  if (!account) return fail('UNAUTHENTICATED');
  const invitation = invitationIn(model, intent.invitationId);
  const token = invitation.tokens.find((t) => t.token === intent.token);
  const known = teamById(model, invitation.teamId) && token?.live;
  if (!known || invitation.email !== account.email || invitation.status !== 'PENDING')
    return fail('FORBIDDEN');
  return then(invitation, account.id);
}

export const acceptInvitation = mutation<InvitationIntent>({
  plan: invitationPlan(
    `mutation ($token: String!) { acceptInvitation(token: $token) { role } }`,
    'token',
  ),
  expect: (model, intent) =>
    answered(model, intent, (invitation, accountId) => {
      if (roleOf(model, invitation.teamId, accountId)) return fail('CONFLICT');
      return succeed((next) => {
        const accepted = invitationIn(next, intent.invitationId);
        accepted.status = 'ACCEPTED';
        for (const t of accepted.tokens) t.live = false;
        const team = teamById(next, accepted.teamId)!;
        team.members[accountId] = accepted.role;
        // The e-mailed token proves the address (API.md, verified e-mail).
        accountById(next, accountId)!.verified = true;
        recordRow(next, team, 'MEMBER_JOINED');
      });
    }),
});

export const declineInvitation = mutation<InvitationIntent>({
  plan: invitationPlan(`mutation ($token: String!) { declineInvitation(token: $token) }`, 'token'),
  expect: (model, intent) =>
    answered(model, intent, () =>
      succeed((next) => {
        const declined = invitationIn(next, intent.invitationId);
        declined.status = 'DECLINED';
        for (const t of declined.tokens) t.live = false;
        recordRow(next, teamById(next, declined.teamId)!, 'INVITATION_DECLINED');
      }),
    ),
});

/** Answering one of `myInvitations` by id: open, to the caller's address, which they proved. */
function answeredMine(
  model: Model,
  intent: InvitationIntent,
  then: (invitation: Invitation, accountId: string) => Outcome[],
): Outcome[] {
  const account = signedIn(model, intent.actor);
  if (!account) return fail('UNAUTHENTICATED');
  const invitation = invitationIn(model, intent.invitationId);
  const addressed = account.verified && invitation.email === account.email;
  if (!teamById(model, invitation.teamId) || !addressed || invitation.status !== 'PENDING')
    return fail('FORBIDDEN');
  return then(invitation, account.id);
}

export const acceptMyInvitation = mutation<InvitationIntent>({
  plan: invitationPlan(
    `mutation ($id: ID!) { acceptMyInvitation(id: $id) { role } }`,
    'invitee-id',
  ),
  expect: (model, intent) =>
    answeredMine(model, intent, (invitation, accountId) => {
      if (roleOf(model, invitation.teamId, accountId)) return fail('CONFLICT');
      return succeed((next) => {
        const accepted = invitationIn(next, intent.invitationId);
        accepted.status = 'ACCEPTED';
        for (const t of accepted.tokens) t.live = false;
        const team = teamById(next, accepted.teamId)!;
        team.members[accountId] = accepted.role;
        recordRow(next, team, 'MEMBER_JOINED');
      });
    }),
});

export const declineMyInvitation = mutation<InvitationIntent>({
  plan: invitationPlan(`mutation ($id: ID!) { declineMyInvitation(id: $id) }`, 'invitee-id'),
  expect: (model, intent) =>
    answeredMine(model, intent, () =>
      succeed((next) => {
        const declined = invitationIn(next, intent.invitationId);
        declined.status = 'DECLINED';
        for (const t of declined.tokens) t.live = false;
        recordRow(next, teamById(next, declined.teamId)!, 'INVITATION_DECLINED');
      }),
    ),
});
