import { isSpanContextValid, trace, type Link } from '@opentelemetry/api';
import { execute } from 'graphql';
import { ActivityAction } from '../../entities/activity-action.enum';
import type { Team } from '../../entities/team.entity';
import type { User } from '../../entities/user.entity';
import { activityFromEvent } from '../activity/activity-event';
import { teamChannel, type ActivityEvent, type DomainEvent } from '../events/domain-events';
import type { Unsubscribe } from '../events/event-bus';
import { publishedIn } from '../events/event-envelope';
import type { Logger } from '../logging/logger';
import { eventDelivered } from '../metrics/event-metrics';
import type { Services } from '../services';
import type { MaybeRole } from '../teams/team-policy';
import { SpanAttribute } from '../tracing/span-attributes';
import { SpanKind, withSpan } from '../tracing/with-span';
import { audienceDeliveries, audienceExecutions, liveTeamChannels } from './audience-metrics';
import { accessOf, eventReads, type LiveAccess } from './live-reads';
import type { LiveSubscriber } from './live-subscriber';
import type { LiveTarget } from './live-target';
import { owedRow } from './owed-row';
import { textFrame } from './text-frame';

/** What the hub needs of a feed that follows a team. */
export interface AudienceMember {
  readonly viewerId: string;
  readonly sessionId: string;
  readonly subscriber: LiveSubscriber;
  readonly isClosed: boolean;
  /** Its audience when it can take this event from the audience now (idle at seq - 1). */
  audienceFor(teamId: string, seq: number): string | null;
  /** Hands the event to the feed's own, per-subscriber path. */
  receive(event: DomainEvent): void;
  /** While held the feed does not run on its own; release lets it go on. */
  hold(): void;
  release(): void;
  /** The audience sent this seq for the feed. */
  sent(teamId: string, seq: number): void;
  /** Whether this row is the last the subscriber is owed of its team (entitlement.ts). */
  endsAccessWith(row: ActivityEvent['activity']): boolean;
  loseAccess(teamId: string): void;
  /** The bus is back after an outage; `former`: the membership has ended meanwhile. */
  busRestored(teamId: string, former: boolean): void;
  endSession(): void;
}

interface Channel {
  teamId: string;
  members: Set<AudienceMember>;
  unsubscribe: Unsubscribe;
  /**
   * Events that arrived while earlier ones were being delivered, in arrival order. This
   * team's events are handled one batch after another; a batch is whatever waited.
   */
  pending: DomainEvent[];
  draining: boolean;
}

/**
 * How long an audience writes to sockets before it lets other work run (the next mutation's
 * statements, HTTP requests). Short slices let the next events commit while this one is
 * written, so that they arrive together and share each socket's write.
 */
const WRITE_SLICE_MS = 0.5;

/** Most events delivered together (bounds the payloads held at once). */
const MAX_EVENTS_PER_BATCH = 64;

/** `{"id":…,"type":"next","payload":` of a subscription, encoded once while it lives. */
const frameHeads = new WeakMap<LiveTarget, Buffer>();
function frameHead(live: LiveTarget): Buffer {
  let head = frameHeads.get(live);
  if (!head) {
    head = Buffer.from(`{"id":${JSON.stringify(live.subscriptionId)},"type":"next","payload":`);
    frameHeads.set(live, head);
  }
  return head;
}
const FRAME_TAIL = Buffer.from('}');

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Events an audience can deliver itself: activity, except a team's deletion (it ends feeds). */
const groupable = (event: DomainEvent): event is ActivityEvent =>
  event.kind === 'activity' && event.activity.action !== ActivityAction.TEAM_DELETED;

type Deps = Pick<Services, 'dataSource' | 'bus' | 'logger' | 'config' | 'loaderSources'>;

/**
 * One listener per team channel for all feeds of this process. Each activity is handled once
 * per audience — feeds of one team, idle at the previous seq, with the same document and
 * variables (see audience-key.ts) and, after the check, the same role:
 * - one statement checks the session and membership of every subscriber, and reads the team
 *   and the actor (eventReads);
 * - the selection is executed once and serialised once;
 * - each passing socket gets the bytes framed by a string join.
 * Events that arrive while earlier ones are delivered wait and then go together: one check
 * (issued after the last of them arrived) and, per socket, all their frames in one write.
 * Feeds that are busy, behind, or whose selection depends on the viewer get the event on
 * their own path, which does the same check per item.
 */
export class AudienceHub {
  private readonly channels = new Map<string, Channel>();
  private readonly log: Logger;
  private readonly grouping: boolean;

  constructor(private readonly deps: Deps) {
    this.log = deps.logger.child({ component: 'live-audiences' });
    this.grouping = deps.config.LIVE_AUDIENCES;
    deps.bus.onReconnect(() => {
      this.revalidate().catch((error: unknown) =>
        this.log.error({ err: error }, 'live feeds could not be re-checked after a reconnect'),
      );
    });
  }

  /** Starts handing the team's events to `member`; `ready` as for the bus. */
  follow(teamId: string, member: AudienceMember): Unsubscribe {
    let channel = this.channels.get(teamId);
    if (!channel) {
      const created: Channel = {
        teamId,
        members: new Set(),
        pending: [],
        draining: false,
        unsubscribe: this.deps.bus.subscribe(teamChannel(teamId), (event) => {
          created.pending.push(event);
          if (!created.draining) void this.drain(created);
        }),
      };
      channel = created;
      this.channels.set(teamId, channel);
      liveTeamChannels.inc();
    }
    const joined = channel;
    joined.members.add(member);
    let left = false;
    const unsubscribe: Unsubscribe = () => {
      if (left) return;
      left = true;
      joined.members.delete(member);
      if (joined.members.size === 0 && this.channels.get(teamId) === joined) {
        this.channels.delete(teamId);
        liveTeamChannels.dec();
        joined.unsubscribe();
      }
    };
    unsubscribe.ready = joined.unsubscribe.ready;
    return unsubscribe;
  }

  /** Team channels held (each one bus subscription). */
  channelCount(): number {
    return this.channels.size;
  }

  /**
   * Re-checks the session and membership of every feed here in one statement (after the bus
   * was away, when revocations and rows may have been missed); feeds then read what they
   * missed from the table, and those whose membership ended stop at its end.
   */
  async revalidate(): Promise<void> {
    const checks: { teamId: string; member: AudienceMember }[] = [];
    for (const [teamId, channel] of this.channels) {
      for (const member of channel.members) checks.push({ teamId, member });
    }
    const accesses = await this.check(checks);
    checks.forEach(({ teamId, member }, i) => {
      if (this.enforce(member, teamId, accesses[i])) {
        member.busRestored(teamId, accesses[i].role === null);
      }
    });
  }

  /** One statement for all of them (see accessOf). */
  private check(checks: { teamId: string; member: AudienceMember }[]): Promise<LiveAccess[]> {
    return accessOf(
      this.deps.dataSource,
      checks.map(({ teamId, member }) => ({
        teamId,
        userId: member.viewerId,
        sessionId: member.sessionId,
      })),
    );
  }

  /**
   * Ends what lost its access now; true when the member may still receive. A membership that
   * ended is no reason: the rows up to its end are still owed (entitlement.ts), and the feed
   * ends at that row. An ended session (4403) and a two-factor hold end at once.
   */
  private enforce(member: AudienceMember, teamId: string, access: LiveAccess): boolean {
    if (member.isClosed) return false;
    if (!access.sessionActive) {
      member.endSession();
      return false;
    }
    if (!access.role && access.member) {
      member.loseAccess(teamId);
      return false;
    }
    return true;
  }

  /** Handles the channel's waiting events, a batch at a time, until none wait. */
  private async drain(channel: Channel): Promise<void> {
    channel.draining = true;
    try {
      // Events dispatched in the same synchronous run (one publish, one read off the broker)
      // join the first batch.
      await Promise.resolve();
      while (channel.pending.length) {
        const batch = channel.pending.splice(0, MAX_EVENTS_PER_BATCH);
        try {
          await this.handle(channel, batch);
        } catch (error: unknown) {
          this.log.error({ err: error, teamId: channel.teamId }, 'live audience failed');
        }
      }
    } finally {
      channel.draining = false;
    }
  }

  /**
   * Splits a batch into runs an audience can deliver (activity with consecutive seqs) and
   * events every feed takes on its own path, handled in order.
   */
  private async handle(channel: Channel, batch: DomainEvent[]): Promise<void> {
    let run: ActivityEvent[] = [];
    const flush = async () => {
      if (run.length) await this.handleRun(channel, run);
      run = [];
    };
    for (const event of batch) {
      if (!this.grouping || !groupable(event)) {
        await flush();
        for (const member of [...channel.members]) member.receive(event);
        continue;
      }
      const previous = run[run.length - 1];
      if (previous && event.activity.seq !== previous.activity.seq + 1) await flush();
      run.push(event);
    }
    await flush();
  }

  private async handleRun(channel: Channel, run: ActivityEvent[]): Promise<void> {
    const { teamId, seq } = run[0].activity;
    const grouped: { member: AudienceMember; audience: string }[] = [];
    for (const member of [...channel.members]) {
      const audience = member.audienceFor(teamId, seq);
      if (audience === null) for (const event of run) member.receive(event);
      else grouped.push({ member, audience });
    }
    if (!grouped.length) return;
    for (const { member } of grouped) member.hold();
    try {
      await this.tracedDelivery(run, grouped.length, () => this.deliver(run, grouped));
    } catch (error: unknown) {
      // The feeds' own path checks and sends what the audience could not (skipping any seq
      // already sent), and the batch's later events are still handled.
      this.log.error({ err: error, teamId }, 'live audience failed; feeds take the events');
      for (const { member } of grouped) for (const event of run) member.receive(event);
    } finally {
      for (const { member } of grouped) member.release();
    }
  }

  /**
   * One `live.deliver` span per run, a child of the publish that sent its first event (on
   * whichever instance published it), linked to the publishes of the others.
   */
  private tracedDelivery(
    run: ActivityEvent[],
    subscribers: number,
    deliver: () => Promise<void>,
  ): Promise<void> {
    const [first, ...others] = run;
    const links = (): Link[] =>
      others
        .map((event) => trace.getSpanContext(publishedIn(event)))
        .filter((context) => context !== undefined && isSpanContextValid(context))
        .map((context) => ({ context: context! }));
    return withSpan(
      'live.deliver',
      {
        kind: SpanKind.CONSUMER,
        parent: publishedIn(first),
        links,
        attributes: () => ({
          [SpanAttribute.instanceId]: this.deps.bus.instanceId,
          [SpanAttribute.teamId]: first.activity.teamId,
          [SpanAttribute.firstSeq]: first.activity.seq,
          [SpanAttribute.events]: run.length,
          [SpanAttribute.subscribers]: subscribers,
          [SpanAttribute.livePath]: 'audience',
        }),
      },
      deliver,
    );
  }

  private async deliver(
    run: ActivityEvent[],
    grouped: { member: AudienceMember; audience: string }[],
  ): Promise<void> {
    const { teamId } = run[0].activity;
    const instance = () => ({ [SpanAttribute.instanceId]: this.deps.bus.instanceId });
    const { accesses, team, actors } = await withSpan('live.check', { attributes: instance }, () =>
      eventReads(
        this.deps.dataSource,
        teamId,
        run.map((event) => event.activity.actorId),
        grouped.map(({ member }) => member.sessionId),
      ),
    );
    // Audience = document and variables + the role this check found. Members of one outcome
    // share its access object (see eventReads), so that keys the first level.
    const byAccess = new Map<LiveAccess, Map<string, AudienceMember[]>>();
    grouped.forEach(({ member, audience }, i) => {
      const access = accesses[i];
      if (!this.enforce(member, teamId, access)) return;
      let byDocument = byAccess.get(access);
      if (!byDocument) byAccess.set(access, (byDocument = new Map()));
      const members = byDocument.get(audience);
      if (members) members.push(member);
      else byDocument.set(audience, [member]);
    });
    const audiences = [...byAccess].flatMap(([{ role }, byDocument]) =>
      [...byDocument.values()].map((members) => ({ role, members })),
    );
    trace.getActiveSpan()?.setAttribute(SpanAttribute.audiences, audiences.length);
    await Promise.all(
      audiences.map(async ({ role, members }) => {
        const payloads = await withSpan(
          'live.execute',
          { attributes: () => ({ ...instance(), [SpanAttribute.subscribers]: members.length }) },
          () => this.execute(run, members[0], role, team, actors),
        );
        // A member whose access ends with a row of the run gets the run up to that row.
        const { ending, going } = this.endings(run, payloads.length, members);
        if (payloads.length && going.length) await this.write(teamId, run, payloads, going);
        for (const [count, members] of ending) {
          await this.write(teamId, run, payloads.slice(0, count), members);
          for (const member of members) member.loseAccess(teamId);
        }
        // Errors are masked and logged per operation on the feed's own path.
        for (const event of run.slice(payloads.length)) {
          for (const member of going) member.receive(event);
        }
      }),
    );
  }

  /**
   * Splits the members by how much of the run's first `count` events they are owed: `going`
   * all of them, `ending` (by how many) up to the row that ends their access.
   */
  private endings(
    run: ActivityEvent[],
    count: number,
    members: AudienceMember[],
  ): { going: AudienceMember[]; ending: Map<number, AudienceMember[]> } {
    const going: AudienceMember[] = [];
    const ending = new Map<number, AudienceMember[]>();
    for (const member of members) {
      const end = run.slice(0, count).findIndex((event) => member.endsAccessWith(event.activity));
      if (end < 0) {
        going.push(member);
        continue;
      }
      const owed = ending.get(end + 1);
      if (owed) owed.push(member);
      else ending.set(end + 1, [member]);
    }
    return { going, ending };
  }

  /**
   * The audience's payloads, serialised, one per event in order, as `representative` would
   * get them; stops before the first event whose execution has errors.
   */
  private async execute(
    run: ActivityEvent[],
    representative: AudienceMember,
    role: MaybeRole,
    team: Team | null,
    actors: Map<string, User>,
  ): Promise<string[]> {
    const target = representative.subscriber.live as LiveTarget;
    const payloads: string[] = [];
    for (const event of run) {
      // Fresh loaders per event, as on the feed's own path, primed with what was just read.
      const { root, loaders } = owedRow(
        this.deps.loaderSources,
        representative.viewerId,
        activityFromEvent(event),
        { role, team },
      );
      const actor = event.activity.actorId ? actors.get(event.activity.actorId) : undefined;
      if (actor) loaders.user.prime(actor.id, actor);
      const result = await execute({
        ...target.execution,
        rootValue: root,
        contextValue: representative.subscriber.contextWith(loaders),
      });
      if (result.errors) break;
      audienceExecutions.inc();
      payloads.push(JSON.stringify(result));
    }
    return payloads;
  }

  /**
   * Frames the payloads for each member's subscription (a string join) and writes them; a
   * socket's frames of this batch leave in one write (its stream is corked around them).
   */
  private write(
    teamId: string,
    run: ActivityEvent[],
    payloads: string[],
    members: AudienceMember[],
  ): Promise<void> {
    return withSpan(
      'live.write',
      {
        attributes: () => ({
          [SpanAttribute.instanceId]: this.deps.bus.instanceId,
          [SpanAttribute.subscribers]: members.length,
          [SpanAttribute.events]: payloads.length,
        }),
      },
      () => this.writeFrames(teamId, run, payloads, members),
    );
  }

  private async writeFrames(
    teamId: string,
    run: ActivityEvent[],
    payloads: string[],
    members: AudienceMember[],
  ): Promise<void> {
    const lastSeq = run[payloads.length - 1].activity.seq;
    // Each payload is encoded once; a socket's frame adds only its subscription's head.
    const encoded = payloads.map((payload) => Buffer.from(payload));
    let delivered = 0;
    let sliceStart = performance.now();
    for (const member of members) {
      // The members are held, and this team's next events wait for these: order holds.
      if (performance.now() - sliceStart > WRITE_SLICE_MS) {
        await nextTurn();
        sliceStart = performance.now();
      }
      const live = member.subscriber.live;
      if (member.isClosed || !live || live.socket.readyState !== live.socket.OPEN) continue;
      const head = frameHead(live);
      if (encoded.length === 1) live.stream.write(textFrame([head, encoded[0], FRAME_TAIL]));
      else {
        live.stream.cork();
        try {
          for (const payload of encoded) live.stream.write(textFrame([head, payload, FRAME_TAIL]));
        } finally {
          live.stream.uncork();
        }
      }
      member.sent(teamId, lastSeq);
      delivered += 1;
    }
    for (let i = 0; i < payloads.length; i += 1) eventDelivered('activity', delivered);
    audienceDeliveries.inc(delivered * payloads.length);
  }
}

const hubs = new WeakMap<object, AudienceHub>();

/** The hub of this instance (one per set of services). */
export function audienceHub(services: Deps): AudienceHub {
  let hub = hubs.get(services);
  if (!hub) {
    hub = new AudienceHub(services);
    hubs.set(services, hub);
  }
  return hub;
}
