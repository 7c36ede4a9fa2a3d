import { execute } from 'graphql';
import { ActivityAction } from '../../entities/activity-action.enum';
import { activityFromEvent } from '../activity/activity-event';
import { teamChannel, type ActivityEvent, type DomainEvent } from '../events/domain-events';
import type { Unsubscribe } from '../events/event-bus';
import { createLoaders } from '../loaders/loaders';
import type { Logger } from '../logging/logger';
import { eventDelivered } from '../metrics/event-metrics';
import type { Services } from '../services';
import type { MaybeRole } from '../teams/team-policy';
import { audienceDeliveries, audienceExecutions, liveTeamChannels } from './audience-metrics';
import { accessOf, eventReads, type LiveAccess } from './live-reads';
import type { LiveSubscriber } from './live-subscriber';
import type { LiveTarget } from './live-target';

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
  loseAccess(teamId: string): void;
  endSession(): void;
}

interface Channel {
  members: Set<AudienceMember>;
  unsubscribe: Unsubscribe;
  /** Events of this team are handled one after another, in the order they arrived. */
  queue: Promise<void>;
}

/**
 * Sockets written per turn of the event loop. A large team's event then lets other work run
 * between its writes (the next mutation's statements, HTTP requests) instead of holding the
 * process for the whole team.
 */
const SOCKETS_PER_TURN = 250;

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

type Deps = Pick<Services, 'dataSource' | 'bus' | 'logger' | 'config'>;

/**
 * One listener per team channel for all feeds of this process. Each activity is handled once
 * per audience — feeds of one team, idle at the previous seq, with the same document and
 * variables (see audience-key.ts) and, after the check, the same role:
 * - one statement checks the session and membership of every subscriber, and reads the team
 *   and the actor (eventReads);
 * - the selection is executed once and serialised once;
 * - each passing socket gets the bytes framed by a string join.
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
        members: new Set(),
        queue: Promise.resolve(),
        unsubscribe: this.deps.bus.subscribe(teamChannel(teamId), (event) => {
          created.queue = created.queue
            .then(() => this.handle(created, event))
            .catch((error: unknown) =>
              this.log.error({ err: error, teamId }, 'live audience failed'),
            );
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
   * was away, when revocations may have been missed).
   */
  async revalidate(): Promise<void> {
    const checks: { teamId: string; member: AudienceMember }[] = [];
    for (const [teamId, channel] of this.channels) {
      for (const member of channel.members) checks.push({ teamId, member });
    }
    const accesses = await this.check(checks);
    checks.forEach(({ teamId, member }, i) => this.enforce(member, teamId, accesses[i]));
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

  /** Ends what lost its access; true when the member may still receive. */
  private enforce(member: AudienceMember, teamId: string, access: LiveAccess): boolean {
    if (member.isClosed) return false;
    if (!access.sessionActive) {
      member.endSession();
      return false;
    }
    if (!access.role) {
      member.loseAccess(teamId);
      return false;
    }
    return true;
  }

  private async handle(channel: Channel, event: DomainEvent): Promise<void> {
    const members = [...channel.members];
    if (
      !this.grouping ||
      event.kind !== 'activity' ||
      event.activity.action === ActivityAction.TEAM_DELETED
    ) {
      for (const member of members) member.receive(event);
      return;
    }
    const { teamId, seq } = event.activity;
    const grouped: { member: AudienceMember; audience: string }[] = [];
    for (const member of members) {
      const audience = member.audienceFor(teamId, seq);
      if (audience === null) member.receive(event);
      else grouped.push({ member, audience });
    }
    if (!grouped.length) return;
    for (const { member } of grouped) member.hold();
    try {
      await this.deliver(event, grouped);
    } finally {
      for (const { member } of grouped) member.release();
    }
  }

  private async deliver(
    event: ActivityEvent,
    grouped: { member: AudienceMember; audience: string }[],
  ): Promise<void> {
    const { teamId, seq, actorId } = event.activity;
    const { accesses, team, actor } = await eventReads(
      this.deps.dataSource,
      teamId,
      actorId,
      grouped.map(({ member }) => ({ userId: member.viewerId, sessionId: member.sessionId })),
    );
    // Audience = document and variables + the role this check found.
    const audiences = new Map<string, { role: MaybeRole; members: AudienceMember[] }>();
    grouped.forEach(({ member, audience }, i) => {
      if (!this.enforce(member, teamId, accesses[i])) return;
      const role = accesses[i].role;
      const key = `${audience}:${role}`;
      const entry = audiences.get(key);
      if (entry) entry.members.push(member);
      else audiences.set(key, { role, members: [member] });
    });
    const activity = activityFromEvent(event);
    await Promise.all(
      [...audiences.values()].map(async ({ role, members }) => {
        const representative = members[0];
        const loaders = createLoaders(this.deps.dataSource, representative.viewerId);
        loaders.viewerRole.prime(teamId, role);
        if (team) loaders.team.prime(team.id, team);
        if (actor) loaders.user.prime(actor.id, actor);
        const target = representative.subscriber.live as LiveTarget;
        const result = await execute({
          ...target.execution,
          rootValue: activity,
          contextValue: representative.subscriber.contextWith(loaders),
        });
        if (result.errors) {
          // Errors are masked and logged per operation on the feed's own path.
          for (const member of members) member.receive(event);
          return;
        }
        audienceExecutions.inc();
        const payload = JSON.stringify(result);
        let delivered = 0;
        for (const member of members) {
          // The members are held, and this team's next event waits for this one: order holds.
          if (delivered > 0 && delivered % SOCKETS_PER_TURN === 0) await nextTurn();
          const live = member.subscriber.live;
          if (member.isClosed || !live || live.socket.readyState !== live.socket.OPEN) continue;
          live.socket.send(
            `{"id":${JSON.stringify(live.subscriptionId)},"type":"next","payload":${payload}}`,
          );
          member.sent(teamId, seq);
          delivered += 1;
        }
        eventDelivered('activity', delivered);
        audienceDeliveries.inc(delivered);
      }),
    );
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
