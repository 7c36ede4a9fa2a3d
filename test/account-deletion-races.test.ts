import {
  buildWorld,
  outcome,
  promisesBroken,
  send,
  worldState,
  type Operation,
  type Person,
  type World,
} from './support/account-world';
import { holdRow, untilLockWaiters } from './support/row-gate';
import { deadlocksOn, DEPLOYMENTS, type Deployment } from './support/deployments';

/**
 * An account's deletion meeting another request of the same account, in the interleavings
 * that went wrong (API.md "Requests that meet"): an internal error where the one-owner check
 * fired at commit, deadlocks where the two took the same rows in opposite orders, and an
 * erased account left owning, joined or named. A test transaction holds the row the two
 * contend for; `first` is sent and queues behind it, then `second`, then the row is let go,
 * so each interleaving happens every time, on one instance and on two sharing the database.
 */
interface Race {
  first: Operation;
  second: Operation;
  /** The row held while both are sent: the team's, or a person's account. */
  gate: 'team' | Person;
  /** The answers, in order: 'ok' or the error code (several when any order allows them). */
  answers: [string[], string[]];
  /** What the world must hold afterwards, beyond the promises every race keeps. */
  check?: (state: Record<string, unknown>) => void;
}

const del = (actor: Person): Operation => ({ kind: 'deleteAccount', actor });

const RACES: Record<string, Race> = {
  'ownership moves to the member, then the member deletes the account': {
    first: { kind: 'transferOwnership', target: 'member' },
    second: del('member'),
    gate: 'team',
    answers: [['ok'], ['CONFLICT']],
    check: (state) => expect(state.memberships).toContain('member OWNER in World'),
  },
  'the member deletes the account, then ownership is moved to them': {
    first: del('member'),
    second: { kind: 'transferOwnership', target: 'member' },
    gate: 'team',
    // The order's own answer (no longer a member) would do as well.
    answers: [['ok'], ['CONFLICT', 'BAD_USER_INPUT']],
    check: (state) => expect(state.memberships).toContain('owner OWNER in World'),
  },
  'the member writes an item, then deletes the account': {
    first: { kind: 'createItem', actor: 'member' },
    second: del('member'),
    gate: 'team',
    answers: [['ok'], ['ok']],
    check: (state) => expect(state.items).toEqual(['member']),
  },
  'the member deletes the account, then writes an item': {
    first: del('member'),
    second: { kind: 'createItem', actor: 'member' },
    gate: 'member',
    answers: [['ok'], ['CONFLICT']],
    check: (state) => expect(state.items).toEqual([]),
  },
  'the invitee accepts, then deletes the account': {
    first: { kind: 'acceptInvitation' },
    second: del('invitee'),
    gate: 'team',
    answers: [['ok'], ['ok']],
    check: (state) => expect(state.invitations).toContain('to invitee by owner ACCEPTED'),
  },
  'the invitee deletes the account, then accepts': {
    first: del('invitee'),
    second: { kind: 'acceptInvitation' },
    gate: 'invitee',
    answers: [['ok'], ['CONFLICT']],
    check: (state) => expect(state.invitations).toContain('to invitee by owner DECLINED'),
  },
  'the member deletes the account, then creates a team': {
    first: del('member'),
    second: { kind: 'createTeam', actor: 'member' },
    gate: 'member',
    answers: [['ok'], ['CONFLICT']],
  },
  'the member deletes the account, then renames themself': {
    first: del('member'),
    second: { kind: 'updateProfile', actor: 'member' },
    gate: 'member',
    answers: [['ok'], ['CONFLICT']],
    check: (state) => expect(state.people).toContain('member deleted erased'),
  },
  'the admin renames the team, then deletes the account': {
    first: { kind: 'renameTeam', actor: 'admin' },
    second: del('admin'),
    gate: 'team',
    answers: [['ok'], ['ok']],
    check: (state) => expect(state.teamName).toBe('Renamed by admin'),
  },
  'the admin deletes the account, then renames the team': {
    first: del('admin'),
    second: { kind: 'renameTeam', actor: 'admin' },
    gate: 'admin',
    answers: [['ok'], ['CONFLICT']],
    check: (state) => expect(state.teamName).toBe('World'),
  },
  'the admin invites someone, then deletes the account': {
    first: { kind: 'inviteStranger', actor: 'admin' },
    second: del('admin'),
    gate: 'team',
    answers: [['ok'], ['ok']],
    check: (state) => expect(state.invitations).toContain('to a stranger by admin REVOKED'),
  },
  'the member leaves, then deletes the account': {
    first: { kind: 'leaveTeam', actor: 'member' },
    second: del('member'),
    gate: 'team',
    answers: [['ok'], ['ok']],
  },
};

/** Rounds of each race: the interleaving is forced, the rounds catch what varies beside it. */
const ROUNDS = 2;

describe.each(Object.keys(DEPLOYMENTS))('on %s', (deploymentName) => {
  let deployment: Deployment;
  beforeAll(async () => {
    deployment = await DEPLOYMENTS[deploymentName]();
  }, 120_000);
  afterAll(() => deployment?.stop());

  async function run(race: Race, world: World) {
    const { first, second, databaseUrl } = deployment;
    const gateRow = race.gate === 'team' ? world.team.id : world.people[race.gate].id;
    const gate = await holdRow(databaseUrl, race.gate === 'team' ? 'teams' : 'users', gateRow);
    try {
      const firstAnswer = send(first, world, race.first);
      await untilLockWaiters(first, 1);
      const secondAnswer = send(second, world, race.second);
      await untilLockWaiters(first, 2);
      await gate.release();
      return (await Promise.all([firstAnswer, secondAnswer])).map(outcome);
    } finally {
      await gate.release();
    }
  }

  it.each(Object.keys(RACES))(
    '%s: ends as that order would, with no deadlock and no internal error',
    async (raceName) => {
      const race = RACES[raceName];
      const deadlocksBefore = await deadlocksOn(deployment);
      for (let round = 0; round < ROUNDS; round += 1) {
        const world = await buildWorld(deployment.first);
        const answers = await run(race, world);
        // Each answer beside the ones its order allows (itself when allowed): a diff names it.
        const allowed = answers.map((answer, i) =>
          race.answers[i].includes(answer) ? answer : race.answers[i].join(' or '),
        );
        expect(answers).toEqual(allowed);
        race.check?.(await worldState(deployment.first, world));
        expect(await promisesBroken(deployment.first)).toEqual({});
      }
      expect(await deadlocksOn(deployment)).toBe(deadlocksBefore);
    },
    120_000,
  );
});
