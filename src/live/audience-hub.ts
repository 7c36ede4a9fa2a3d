import { isSpanContextValid, trace, type Link } from '@opentelemetry/api';
import { ActivityAction } from '../../entities/activity-action.enum';
import type { Team } from '../../entities/team.entity';
import type { User } from '../../entities/user.entity';

import { teamChannel, type ActivityEvent, type DomainEvent } from '../events/domain-events';
import type { Unsubscribe } from '../events/event-bus';
import { publishedIn } from '../events/in-memory-event-bus';
import type { Logger } from '../logging/logger';
import { eventDelivered } from '../metrics/event-metrics';
import type { Services } from '../services';
import type { MaybeRole } from '../teams/team-policy';
import { SpanAttribute } from '../tracing/span-attributes';
import { SpanKind, withSpan } from '../tracing/with-span';
import { audienceDeliveries, audienceExecutions, liveTeamChannels } from './audience-metrics';
import { accessOf, activeSessions, type LiveAccess } from './live-reads';
import type { LiveSubscriber } from './live-subscriber';
import type { LiveOutlet, LiveTransport, RenderedRow } from './live-transport';
import { activityFromEvent, owedRow, type DeliveredActivity, type OwedRow } from './owed-row';

/** What the hub needs of a feed that follows a team. */
export interface AudienceMember {
  readonly subscriber: LiveSubscriber;
  readonly isClosed: boolean;
  /** Its audience when it can take this event from the audience now (idle at seq - 1). */
  audienceFor(teamId: string, seq: number): string | null;
  /** Hands the event to the feed's own, per-subscriber path. */
  receive(event: DomainEvent): void;
  /** While paused the feed does not run on its own; resume lets it go on. */
  pause(): void;
  resume(): void;
  /** The audience sent this seq for the feed. */
  sent(teamId: string, seq: number): void;
  /** Whether this row is the last the subscriber is owed of its team (entitlement.ts). */
  endsAccessWith(row: ActivityEvent['activity']): boolean;
  loseAccess(teamId: string): void;
  /** The bus is back after an outage; `former`: the membership has ended meanwhile. */
  busRestored(teamId: string, former: boolean): void;
  /** Whether it may still receive the team's rows by what a check found; ends what may not. */
  keepsAccess(teamId: string, access: LiveAccess): boolean;
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

/** Most events delivered together (bounds the payloads kept at once). */
const MAX_EVENTS_PER_BATCH = 64;

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Events an audience can deliver itself: activity, except a team's deletion (it ends feeds). */
const groupable = (event: DomainEvent): event is ActivityEvent =>
  event.kind === 'activity' && event.activity.action !== ActivityAction.TEAM_DELETED;

type Deps = Pick<
  Services,
  'dataSource' | 'bus' | 'logger' | 'config' | 'loaderSources' | 'liveReads'
>;

/** A member an audience delivers to, with the outlet its audience was found on. */
interface Grouped {
  member: AudienceMember;
  outlet: LiveOutlet;
  audience: string;
}

/**
 * One listener per team channel for all feeds of this process. Each activity is handled once
 * per audience — feeds of one team, idle at the previous seq, with the same document and
 * variables (see audience-key.ts) and, after the check, the same role:
 * - one statement checks the session and membership of every subscriber, and reads the team
 *   and the actor (eventReads);
 * - the selection is executed once and serialised once (by the first member's outlet);
 * - each passing subscription's outlet frames and writes those bytes.
 * Events that arrive while earlier ones are delivered wait and then go together: one check
 * (issued after the last of them arrived) and, per socket, all their frames in one write.
 * Feeds that are busy, behind, or whose selection depends on the viewer get the event on
 * their own path, which does the same check per item.
 */
export class AudienceHub {
  private readonly channels = new Map<string, Channel>();
  private readonly log: Logger;
  private readonly grouping: boolean;
  /** The server's live transport, once connected (feeds run without one in some tests). */
  private transport: LiveTransport | null = null;

  constructor(private readonly deps: Deps) {
    this.log = deps.logger.child({ component: 'live-audiences' });
    this.grouping = deps.config.LIVE_AUDIENCES;
    deps.bus.onReconnect(() => {
      this.revalidate().catch((error: unknown) =>
        this.log.error({ err: error }, 'live feeds could not be re-checked after a reconnect'),
      );
    });
  }

  /** Hands in the server's transport; returns how to take it back (the server stops). */
  connect(transport: LiveTransport): () => void {
    this.transport = transport;
    return () => {
      if (this.transport === transport) this.transport = null;
    };
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

  /** Team channels open (each one bus subscription). */
  channelCount(): number {
    return this.channels.size;
  }

  /**
   * The one re-check after the bus was away, when revocations and rows may have been missed:
   * the session and membership of every feed here in one statement, and the session of every
   * signed-in socket in another. Sockets whose session ended close; feeds then read what they
   * missed from the table, and those whose membership ended stop at its end.
   */
  async revalidate(): Promise<void> {
    const checks: { teamId: string; member: AudienceMember }[] = [];
    for (const [teamId, channel] of this.channels) {
      for (const member of channel.members) checks.push({ teamId, member });
    }
    const sockets = this.transport?.signedInSockets() ?? [];
    const [accesses, active] = await Promise.all([
      this.check(checks),
      activeSessions(
        this.deps.dataSource,
        sockets.map((socket) => socket.sessionId),
      ),
    ]);
    for (const socket of sockets) if (!active.has(socket.sessionId)) socket.endSession();
    checks.forEach(({ teamId, member }, i) => {
      if (member.keepsAccess(teamId, accesses[i])) {
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
        userId: member.subscriber.userId,
        sessionId: member.subscriber.sessionId,
      })),
    );
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
    const grouped: Grouped[] = [];
    for (const member of [...channel.members]) {
      const audience = member.audienceFor(teamId, seq);
      const outlet = member.subscriber.live;
      if (audience === null || !outlet) for (const event of run) member.receive(event);
      else grouped.push({ member, outlet, audience });
    }
    if (!grouped.length) return;
    for (const { member } of grouped) member.pause();
    try {
      await this.tracedDelivery(run, grouped.length, () => this.deliver(run, grouped));
    } catch (error: unknown) {
      // The feeds' own path checks and sends what the audience could not (skipping any seq
      // already sent), and the batch's later events are still handled.
      this.log.error({ err: error, teamId }, 'live audience failed; feeds take the events');
      for (const { member } of grouped) for (const event of run) member.receive(event);
    } finally {
      for (const { member } of grouped) member.resume();
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

  private async deliver(run: ActivityEvent[], grouped: Grouped[]): Promise<void> {
    const { teamId } = run[0].activity;
    const instance = () => ({ [SpanAttribute.instanceId]: this.deps.bus.instanceId });
    const { accesses, team, actors } = await withSpan('live.check', { attributes: instance }, () =>
      this.deps.liveReads.eventReads(
        teamId,
        run.map((event) => event.activity.actorId),
        grouped.map(({ member }) => member.subscriber.sessionId),
      ),
    );
    // Audience = document and variables + the role this check found. Members of one outcome
    // share its access object (see eventReads), so that keys the first level.
    const byAccess = new Map<LiveAccess, Map<string, Grouped[]>>();
    grouped.forEach((entry, i) => {
      const access = accesses[i];
      if (!entry.member.keepsAccess(teamId, access)) return;
      let byDocument = byAccess.get(access);
      if (!byDocument) byAccess.set(access, (byDocument = new Map()));
      const members = byDocument.get(entry.audience);
      if (members) members.push(entry);
      else byDocument.set(entry.audience, [entry]);
    });
    const audiences = [...byAccess].flatMap(([{ role }, byDocument]) =>
      [...byDocument.values()].map((members) => ({ role, members })),
    );
    trace.getActiveSpan()?.setAttribute(SpanAttribute.audiences, audiences.length);
    // Each event becomes an entity once for all members' audiences (execution only reads it);
    // a former member's row is marked as checked by its feed (owed-row.ts): it gets its own.
    const shared: DeliveredActivity[] = [];
    const activityAt = (i: number, role: MaybeRole) =>
      role ? (shared[i] ??= activityFromEvent(run[i])) : activityFromEvent(run[i]);
    await Promise.all(
      audiences.map(async ({ role, members }) => {
        const rows = await withSpan(
          'live.execute',
          { attributes: () => ({ ...instance(), [SpanAttribute.subscribers]: members.length }) },
          () => this.render(run, members[0], role, team, actors, activityAt),
        );
        // A member whose access ends with a row of the run gets the run up to that row.
        const { ending, going } = this.endings(run, rows.length, members);
        if (rows.length && going.length) await this.write(teamId, run, rows, going);
        for (const [count, members] of ending) {
          await this.write(teamId, run, rows.slice(0, count), members);
          for (const { member } of members) member.loseAccess(teamId);
        }
        // Errors are masked and logged per operation on the feed's own path.
        for (const event of run.slice(rows.length)) {
          for (const { member } of going) member.receive(event);
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
    members: Grouped[],
  ): { going: Grouped[]; ending: Map<number, Grouped[]> } {
    const going: Grouped[] = [];
    const ending = new Map<number, Grouped[]>();
    for (const entry of members) {
      const end = run
        .slice(0, count)
        .findIndex((event) => entry.member.endsAccessWith(event.activity));
      if (end < 0) {
        going.push(entry);
        continue;
      }
      const owed = ending.get(end + 1);
      if (owed) owed.push(entry);
      else ending.set(end + 1, [entry]);
    }
    return { going, ending };
  }

  /**
   * The audience's rows, rendered by `representative`'s outlet, one per event in order, as
   * `representative` would get them; stops before the first event whose execution has errors.
   */
  private async render(
    run: ActivityEvent[],
    { member: representative, outlet }: Grouped,
    role: MaybeRole,
    team: Team | null,
    actors: Map<string, User>,
    activityAt: (i: number, role: MaybeRole) => DeliveredActivity,
  ): Promise<RenderedRow[]> {
    const { loaderSources } = this.deps;
    const viewerId = representative.subscriber.userId;
    function* owedRows(): Generator<OwedRow> {
      for (const [i, event] of run.entries()) {
        // Fresh loaders per event, as on the feed's own path, primed with what was just read.
        const row = owedRow(loaderSources, viewerId, activityAt(i, role), { role, team });
        const actor = event.activity.actorId ? actors.get(event.activity.actorId) : undefined;
        if (actor) row.loaders.user.prime(actor.id, actor);
        yield row;
      }
    }
    const rows = await outlet.render(owedRows());
    audienceExecutions.inc(rows.length);
    return rows;
  }

  /** Hands the rows to each member's outlet; a socket's rows of this batch leave in one write. */
  private write(
    teamId: string,
    run: ActivityEvent[],
    rows: RenderedRow[],
    members: Grouped[],
  ): Promise<void> {
    return withSpan(
      'live.write',
      {
        attributes: () => ({
          [SpanAttribute.instanceId]: this.deps.bus.instanceId,
          [SpanAttribute.subscribers]: members.length,
          [SpanAttribute.events]: rows.length,
        }),
      },
      () => this.writeInSlices(teamId, run, rows, members),
    );
  }

  private async writeInSlices(
    teamId: string,
    run: ActivityEvent[],
    rows: RenderedRow[],
    members: Grouped[],
  ): Promise<void> {
    const lastSeq = run[rows.length - 1].activity.seq;
    let delivered = 0;
    let sliceStart = performance.now();
    for (const { member, outlet } of members) {
      // The members are paused, and this team's next events wait for these: order holds.
      if (performance.now() - sliceStart > WRITE_SLICE_MS) {
        await nextTurn();
        sliceStart = performance.now();
      }
      if (member.isClosed || !outlet.write(rows)) continue;
      member.sent(teamId, lastSeq);
      delivered += 1;
    }
    for (let i = 0; i < rows.length; i += 1) eventDelivered('activity', delivered);
    audienceDeliveries.inc(delivered * rows.length);
  }
}
