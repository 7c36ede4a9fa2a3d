import {
  accessRole,
  accountById,
  endAccess,
  holdOutFeeds,
  recordRow,
  revokeInvitationsBeyondRole,
  roleOf,
  teamById,
  canManage,
  type Account,
  type Model,
  type Role,
  type Team,
} from './promises';
import {
  fail,
  mutation,
  nth,
  pickActor,
  signedIn,
  succeed,
  type Actor,
  type MutationSpec,
  type Outcome,
  type Picks,
  type Request,
} from './mutation-spec';

/** A request about one team of the run (deleted ones too), by an actor, about another person. */
export interface TeamIntent {
  request: Request;
  actor: Actor;
  teamId: string;
  targetId: string;
  choice: number;
}

/** Forms a team-scoped request; `variables` gets the team, the target person and the picks. */
export function teamScoped(
  query: string,
  variables: (
    teamId: string,
    targetId: string,
    picks: Picks,
    model: Model,
  ) => Record<string, unknown>,
  expect: (model: Model, account: Account, team: Team | undefined, intent: TeamIntent) => Outcome[],
): MutationSpec {
  return mutation<TeamIntent>({
    plan(model, picks) {
      const actor = pickActor(model, picks);
      const team = nth(model.teams, picks.team);
      const target = nth(model.accounts, picks.other);
      if (!actor || !team || !target) return null;
      return {
        actor,
        teamId: team.id,
        targetId: target.id,
        choice: picks.choice,
        request: {
          query,
          variables: variables(team.id, target.id, picks, model),
          token: actor.token,
        },
      };
    },
    expect(model, intent) {
      const account = signedIn(model, intent.actor);
      if (!account) return fail('UNAUTHENTICATED');
      return expect(model, account, teamById(model, intent.teamId), intent);
    },
  });
}

/** In `next`, the team of the intent (it exists: the outcome was computed from it). */
const teamIn = (next: Model, intent: TeamIntent): Team => teamById(next, intent.teamId)!;

export const createTeam = mutation<{ request: Request; actor: Actor; name: string }>({
  plan(model, picks) {
    const actor = pickActor(model, picks);
    if (!actor) return null;
    const name = `Team ${picks.other}`;
    return {
      actor,
      name,
      request: {
        query: `mutation ($input: CreateTeamInput!) { createTeam(input: $input) { id } }`,
        variables: { input: { name } },
        token: actor.token,
      },
    };
  },
  expect(model, { actor, name }) {
    if (!signedIn(model, actor)) return fail('UNAUTHENTICATED');
    return succeed((next, served) => {
      const team: Team = {
        id: (served.value as { id: string }).id,
        name,
        deleted: false,
        twoFactorRequired: false,
        seq: 0,
        actions: [],
        members: { [actor.accountId]: 'OWNER' },
      };
      next.teams.push(team);
      recordRow(next, team, 'TEAM_CREATED');
    });
  },
});

export const renameTeam = teamScoped(
  `mutation ($teamId: ID!, $name: String!) { renameTeam(teamId: $teamId, name: $name) { id } }`,
  (teamId, _target, picks) => ({ teamId, name: `Renamed ${picks.choice}` }),
  (model, account, team, intent) => {
    if (!team || !canManage(accessRole(model, team.id, account.id))) return fail('FORBIDDEN');
    return succeed((next) => {
      const renamed = teamIn(next, intent);
      renamed.name = `Renamed ${intent.choice}`;
      recordRow(next, renamed, 'TEAM_RENAMED');
    });
  },
);

export const deleteTeam = teamScoped(
  `mutation ($teamId: ID!) { deleteTeam(teamId: $teamId) }`,
  (teamId) => ({ teamId }),
  (model, account, team, intent) => {
    if (!team || accessRole(model, team.id, account.id) !== 'OWNER') return fail('FORBIDDEN');
    return succeed((next) => {
      const deleted = teamIn(next, intent);
      recordRow(next, deleted, 'TEAM_DELETED');
      endAccess(next, deleted.id, null);
      deleted.deleted = true;
      deleted.members = {};
      for (const item of next.items) if (item.teamId === deleted.id) item.deleted = true;
    });
  },
);

const ROLES: Role[] = ['ADMIN', 'MEMBER', 'ADMIN', 'MEMBER', 'OWNER'];

export const changeMemberRole = teamScoped(
  `mutation ($teamId: ID!, $userId: ID!, $role: Role!) {
    changeMemberRole(teamId: $teamId, userId: $userId, role: $role) { role }
  }`,
  (teamId, userId, picks) => ({ teamId, userId, role: ROLES[picks.choice % ROLES.length] }),
  (model, account, team, intent) => {
    const role = intent.request.variables.role as Role;
    // OWNER only (the permission map refuses anyone else before the role is looked at).
    if (!team || accessRole(model, team.id, account.id) !== 'OWNER') return fail('FORBIDDEN');
    const targetRole = roleOf(model, intent.teamId, intent.targetId);
    if (targetRole === null || targetRole === 'OWNER' || role === 'OWNER')
      return role === 'OWNER' ? fail('BAD_USER_INPUT') : fail('FORBIDDEN');
    return succeed((next) => {
      const changed = teamIn(next, intent);
      recordRow(next, changed, 'MEMBER_ROLE_CHANGED');
      changed.members[intent.targetId] = role;
      revokeInvitationsBeyondRole(next, changed, intent.targetId, role);
    });
  },
);

/** A membership ending (removal, leaving): its row reaches the member, then access ends. */
function endMembership(next: Model, team: Team, userId: string, action: string): void {
  recordRow(next, team, action);
  delete team.members[userId];
  endAccess(next, team.id, userId);
  revokeInvitationsBeyondRole(next, team, userId, null);
}

export const removeMember = teamScoped(
  `mutation ($teamId: ID!, $userId: ID!) { removeMember(teamId: $teamId, userId: $userId) }`,
  (teamId, userId) => ({ teamId, userId }),
  (model, account, team, intent) => {
    const actorRole = team ? accessRole(model, team.id, account.id) : null;
    if (!canManage(actorRole)) return fail('FORBIDDEN');
    const targetRole = roleOf(model, intent.teamId, intent.targetId);
    const allowed =
      targetRole !== null &&
      intent.targetId !== account.id &&
      (actorRole === 'OWNER' || targetRole === 'MEMBER');
    if (!allowed) return fail('FORBIDDEN');
    return succeed((next) =>
      endMembership(next, teamIn(next, intent), intent.targetId, 'MEMBER_REMOVED'),
    );
  },
);

export const leaveTeam = teamScoped(
  `mutation ($teamId: ID!) { leaveTeam(teamId: $teamId) }`,
  (teamId) => ({ teamId }),
  (model, account, team, intent) => {
    const role = team ? accessRole(model, team.id, account.id) : null;
    if (role !== 'ADMIN' && role !== 'MEMBER') return fail('FORBIDDEN');
    return succeed((next) => endMembership(next, teamIn(next, intent), account.id, 'MEMBER_LEFT'));
  },
);

export const transferOwnership = teamScoped(
  `mutation ($teamId: ID!, $userId: ID!) { transferOwnership(teamId: $teamId, userId: $userId) { id } }`,
  (teamId, userId) => ({ teamId, userId }),
  (model, account, team, intent) => {
    if (!team || accessRole(model, team.id, account.id) !== 'OWNER') return fail('FORBIDDEN');
    const targetRole = roleOf(model, team.id, intent.targetId);
    if (targetRole === null || intent.targetId === account.id) return fail('BAD_USER_INPUT');
    return succeed((next) => {
      const moved = teamIn(next, intent);
      moved.members[account.id] = 'ADMIN';
      moved.members[intent.targetId] = 'OWNER';
      recordRow(next, moved, 'OWNERSHIP_TRANSFERRED');
      revokeInvitationsBeyondRole(next, moved, account.id, 'ADMIN');
    });
  },
);

export const setTwoFactorRequired = teamScoped(
  `mutation ($teamId: ID!, $required: Boolean!) {
    setTwoFactorRequired(teamId: $teamId, required: $required) { id }
  }`,
  (teamId, _target, picks) => ({ teamId, required: picks.choice % 3 !== 0 }),
  (model, account, team, intent) => {
    const required = intent.request.variables.required as boolean;
    if (!team || accessRole(model, team.id, account.id) !== 'OWNER') return fail('FORBIDDEN');
    if (!accountById(model, account.id)!.twoFactor) return fail('FORBIDDEN');
    if (team.twoFactorRequired === required) return succeed(() => undefined);
    return succeed((next) => {
      const changed = teamIn(next, intent);
      changed.twoFactorRequired = required;
      holdOutFeeds(next, changed);
      recordRow(next, changed, 'TWO_FACTOR_REQUIREMENT_CHANGED');
    });
  },
);

export const markActivityRead = teamScoped(
  `mutation ($teamId: ID!, $upToSeq: Int!) { markActivityRead(teamId: $teamId, upToSeq: $upToSeq) { id } }`,
  (teamId, _target, picks) => ({ teamId, upToSeq: picks.choice }),
  (model, account, team) =>
    team && accessRole(model, team.id, account.id) ? succeed(() => undefined) : fail('FORBIDDEN'),
);

/**
 * A member reports a checkpoint of size 1 whose root no server signed (the model does not hash
 * the log): the contract's answer is the fork's CONFLICT, and nothing changes.
 */
export const witnessCheckpoint = teamScoped(
  `mutation ($teamId: ID!, $treeSize: Int!, $rootHash: String!) { witnessCheckpoint(teamId: $teamId, treeSize: $treeSize, rootHash: $rootHash) { treeSize } }`,
  (teamId) => ({ teamId, treeSize: 1, rootHash: Buffer.alloc(32).toString('base64') }),
  (model, account, team) =>
    team && accessRole(model, team.id, account.id) ? fail('CONFLICT') : fail('FORBIDDEN'),
);
