import fc from 'fast-check';
import { MUTATIONS, MUTATION_NAMES } from './mutation-table';
import { picksArbitrary, pickActor, signedIn, nth, type Intent, type Picks } from './mutation-spec';
import { observe, type Observation } from './observe';
import { accessRole, type Model } from './promises';
import { explainAsSerialOrder } from './serial-orders';
import type { World } from './world';

/** One mutation, formed from the model when it runs, then checked against it. */
export class MutationCommand implements fc.AsyncCommand<Model, World> {
  constructor(
    readonly name: string,
    readonly picks: Picks,
  ) {}

  check = (): boolean => true;

  async run(model: Model, world: World): Promise<void> {
    const intent = MUTATIONS[this.name].plan(model, this.picks);
    if (!intent) return;
    await explainAsSerialOrder(world, model, [
      await observe(world, this.name, intent, this.picks.instance),
    ]);
  }

  toString = (): string => `${this.name}(${JSON.stringify(this.picks)})`;
}

/**
 * Mutations sent at the same moment (to one instance or spread over two); the outcome must be
 * some serial order of them. `send` lets a test decide the order the requests leave in.
 */
export class GroupCommand implements fc.AsyncCommand<Model, World> {
  constructor(
    readonly members: readonly MutationCommand[],
    private readonly scheduler?: fc.Scheduler,
  ) {}

  check = (): boolean => true;

  /** The same group, its requests leaving in the order `scheduler` releases them. */
  releasedBy(scheduler: fc.Scheduler): GroupCommand {
    return new GroupCommand(this.members, scheduler);
  }

  async run(model: Model, world: World): Promise<void> {
    const planned = this.members
      .map((m) => ({ member: m, intent: MUTATIONS[m.name].plan(model, m.picks) }))
      .filter((p): p is { member: MutationCommand; intent: Intent } => p.intent !== null);
    if (!planned.length) return;
    const { scheduler } = this;
    const sent = planned.map(({ member, intent }) => {
      const send = () => observe(world, member.name, intent, member.picks.instance);
      return scheduler ? scheduler.schedule(Promise.resolve(), member.name).then(send) : send();
    });
    if (scheduler) await scheduler.waitAll();
    const observations: Observation[] = await Promise.all(sent);
    await explainAsSerialOrder(world, model, observations);
  }

  toString = (): string => `together[${this.members.map((m) => m.toString()).join(', ')}]`;
}

/**
 * A member opens `teamActivity` on a socket of its own (from the team's last row, which it
 * waits for); what it must receive from then on is the model's to say, checked at the end.
 */
export class OpenFeedCommand implements fc.AsyncCommand<Model, World> {
  constructor(readonly picks: Picks) {}

  check = (): boolean => true;

  async run(model: Model, world: World): Promise<void> {
    const actor = pickActor(model, this.picks);
    if (!actor || !signedIn(model, actor)) return;
    const team = nth(
      model.teams.filter((t) => !t.deleted && accessRole(model, t.id, actor.accountId)),
      this.picks.team,
    );
    if (!team) return;
    const key = model.feeds.length;
    await world.openFeed(key, actor.token!, team.id, team.seq, this.picks.instance);
    model.feeds.push({
      key,
      accountId: actor.accountId,
      teamId: team.id,
      sessionToken: actor.token!,
      // The row it starts from (the team's last) is its first.
      expected: [{ seq: team.seq, action: team.actions[team.seq - 1] }],
      state: 'open',
    });
  }

  toString = (): string => `openFeed(${JSON.stringify(this.picks)})`;
}

/** How often each mutation is drawn: the ones that build state more than the rest. */
const WEIGHTS: Record<string, number> = {
  signUp: 3,
  createTeam: 2,
  inviteMember: 4,
  acceptInvitation: 4,
  createItem: 3,
  updateItem: 2,
  logIn: 2,
};

export const mutationCommand = (names: readonly string[] = MUTATION_NAMES) =>
  fc.oneof(
    ...names.map((name) => ({
      weight: WEIGHTS[name] ?? 1,
      arbitrary: picksArbitrary.map((picks) => new MutationCommand(name, picks)),
    })),
  );

export const openFeedCommand = picksArbitrary.map((picks) => new OpenFeedCommand(picks));

/** A step of a sequence: mostly mutations, now and then a new subscriber. */
export const modelCommand = fc.oneof(
  { weight: 12, arbitrary: mutationCommand() },
  { weight: 1, arbitrary: openFeedCommand },
);

/**
 * How a later member of a group relates to the first, so groups meet on something: the same
 * team, item and invitation, and either one acting on the other or both on the same person.
 */
export function aimedAt(first: Picks, picks: Picks, aim: number): Picks {
  const shared = { ...picks, team: first.team, item: first.item, invitation: first.invitation };
  if (aim === 1) return { ...shared, other: first.actor };
  if (aim === 2) return { ...shared, actor: first.other };
  if (aim === 3) return { ...shared, actor: first.actor, other: first.other };
  return picks;
}

export const groupCommand = (size: { min: number; max: number }) =>
  fc
    .tuple(
      fc.array(fc.tuple(mutationCommand(), fc.nat(4)), {
        minLength: size.min,
        maxLength: size.max,
      }),
    )
    .map(([members]) => {
      const first = members[0][0].picks;
      return new GroupCommand(
        members.map(([m, aim], i) =>
          i === 0 ? m : new MutationCommand(m.name, aimedAt(first, m.picks, aim)),
        ),
      );
    });
