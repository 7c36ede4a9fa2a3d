import { GraphQLError } from 'graphql';
import { MoreThan } from 'typeorm';
import { Activity } from '../../entities/activity.entity';
import { ActivityAction } from '../../entities/activity-action.enum';
import { activityFromEvent, type DeliveredActivity } from '../activity/activity-event';
import { ErrorCode } from '../errors/error-codes';
import { userChannel, type DomainEvent } from '../events/domain-events';
import type { Unsubscribe } from '../events/event-bus';
import { createLoaders } from '../loaders/loaders';
import { eventDelivered } from '../metrics/event-metrics';
import { subscriptionEnded, subscriptionStarted } from '../metrics/ws-metrics';
import type { Services } from '../services';
import { audienceHub, type AudienceMember } from './audience-hub';
import { AccessLost, vouchFor } from './feed-vouchers';
import { accessKey, liveReads } from './live-reads';
import type { LiveSubscriber } from './live-subscriber';

/** Stored rows are read this many at a time (replay and gap filling). */
export const REPLAY_BATCH = 100;
/**
 * Live events waiting for a slow reader beyond this are dropped and read back from the table
 * later, so a stalled socket costs bounded memory.
 */
export const MAX_BUFFERED_EVENTS = 1_000;
/** A socket with more than this waiting to be written gets events on its own, paced path. */
export const MAX_SOCKET_BACKLOG = 256 * 1024;
/** WebSocket close code of a revoked or expired session (graphql-ws's Forbidden). */
const CLOSE_FORBIDDEN = 4403;

export type FeedItem = Activity | AccessLost;

interface Followed {
  /** Seq of the newest activity sent (or skipped as already known) for this team. */
  lastSent: number;
  /** True while stored rows after lastSent must be read before live events. */
  catchUp: boolean;
  unsubscribe: Unsubscribe;
}

interface Inbound {
  event: DomainEvent;
  /** A seq jump was already filled from the table once; deliver or drop, don't loop. */
  gapFilled?: boolean;
}

export interface LiveActivityFeedOptions {
  services: Pick<Services, 'dataSource' | 'bus' | 'logger' | 'config'>;
  /** Whom the feed serves: its loaders are replaced before every item, never reused. */
  subscriber: LiveSubscriber;
  /**
   * `end`: losing access to a team ends the whole feed with ACCESS_REVOKED (teamActivity).
   * `drop`: the feed stops following that team and goes on (myActivity).
   */
  onAccessLost: 'end' | 'drop';
  /** Start following teams the viewer joins (myActivity). */
  followJoins: boolean;
  /** Overrides MAX_BUFFERED_EVENTS (tests). */
  maxBuffered?: number;
}

const DONE: IteratorResult<FeedItem> = { value: undefined, done: true };

/**
 * Activity of one or more teams as an async iterator, in seq order per team, each seq at most
 * once. Listeners are attached before stored rows are read; live events are buffered, those
 * at or below the last sent seq dropped, and a jump in seq is filled from the table. Every
 * item is checked against the viewer's current membership (fresh query) just before it is
 * handed out, which is also when graphql-ws resolves it.
 */
export class LiveActivityFeed implements AsyncIterableIterator<FeedItem>, AudienceMember {
  private readonly teams = new Map<string, Followed>();
  private readonly inbox: Inbound[] = [];
  private readonly rows: Activity[] = [];
  private userUnsubscribe: Unsubscribe | null = null;
  private waiter: (() => void) | null = null;
  private endPending: AccessLost | null = null;
  private closed = false;
  private counted = false;
  /** An audience is delivering for this feed: it must not run on its own meanwhile. */
  private held = false;

  constructor(private readonly options: LiveActivityFeedOptions) {}

  get viewerId(): string {
    return this.options.subscriber.userId;
  }

  get sessionId(): string {
    return this.options.subscriber.sessionId;
  }

  get subscriber(): LiveSubscriber {
    return this.options.subscriber;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Call once the subscription passed authorization: it now counts as running. */
  started(): this {
    if (!this.counted && !this.closed) {
      this.counted = true;
      subscriptionStarted();
    }
    return this;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  /** Listens on the viewer's channel (joins and removals), before anything is read. */
  async listenToViewer(): Promise<void> {
    const { bus } = this.options.services;
    this.userUnsubscribe = bus.subscribe(userChannel(this.viewerId), (e) => this.receive(e));
    await this.userUnsubscribe.ready;
  }

  /** Listens on a team's channel; resolves once events published from now on will arrive. */
  async follow(teamId: string, lastSent: number, catchUp: boolean): Promise<void> {
    if (this.teams.has(teamId) || this.closed) return;
    const unsubscribe = audienceHub(this.options.services).follow(teamId, this);
    this.teams.set(teamId, { lastSent, catchUp, unsubscribe });
    await unsubscribe.ready;
  }

  /** Sets where a followed team starts: live after `lastSent`, replaying stored rows first if asked. */
  startAt(teamId: string, lastSent: number, catchUp: boolean): void {
    const followed = this.teams.get(teamId);
    if (!followed) return;
    followed.lastSent = lastSent;
    followed.catchUp = catchUp;
  }

  async next(): Promise<IteratorResult<FeedItem>> {
    try {
      while (!this.closed) {
        const item = await this.step();
        if (this.closed && !(item instanceof AccessLost)) return DONE;
        if (item) {
          eventDelivered(item instanceof AccessLost ? 'access-revoked' : 'activity');
          return { value: item, done: false };
        }
      }
      return DONE;
    } catch (error) {
      this.options.services.logger.error({ err: error }, 'live feed failed');
      this.close();
      throw new GraphQLError('The live feed failed; subscribe again.', {
        extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR },
      });
    }
  }

  async return(): Promise<IteratorResult<FeedItem>> {
    this.close();
    return DONE;
  }

  async throw(error: unknown): Promise<IteratorResult<FeedItem>> {
    this.close();
    throw error;
  }

  /** Live events waiting for the reader. */
  bufferedEvents(): number {
    return this.inbox.length;
  }

  /** Stops listening everywhere; idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.counted) subscriptionEnded();
    for (const followed of this.teams.values()) followed.unsubscribe();
    this.teams.clear();
    this.userUnsubscribe?.();
    this.userUnsubscribe = null;
    this.inbox.length = 0;
    this.rows.length = 0;
    this.wake();
  }

  /** One unit of work; returns an item to hand out, or null to look again. */
  private async step(): Promise<FeedItem | null> {
    if (this.endPending) {
      const end = this.endPending;
      this.close();
      return end;
    }
    const row = this.rows.shift();
    if (row) return this.admit(row);
    for (const [teamId, followed] of this.teams) {
      if (!followed.catchUp) continue;
      const rows = await this.options.services.dataSource.getRepository(Activity).find({
        where: { teamId, seq: MoreThan(followed.lastSent) },
        order: { seq: 'ASC' },
        take: REPLAY_BATCH,
      });
      if (rows.length < REPLAY_BATCH) followed.catchUp = false;
      this.rows.push(...rows);
      return null;
    }
    const inbound = this.inbox.shift();
    if (!inbound) {
      await this.waitForEvent();
      return null;
    }
    return this.handle(inbound);
  }

  private async handle({ event, gapFilled }: Inbound): Promise<FeedItem | null> {
    const { viewerId } = this;
    switch (event.kind) {
      case 'activity': {
        const followed = this.teams.get(event.activity.teamId);
        if (!followed || event.activity.seq <= followed.lastSent) return null;
        if (event.activity.seq > followed.lastSent + 1 && !gapFilled) {
          // Missed or reordered events: read them (and usually this one) from the table first.
          followed.catchUp = true;
          this.inbox.unshift({ event, gapFilled: true });
          return null;
        }
        return this.admit(activityFromEvent(event));
      }
      case 'access-revoked':
        if (event.userId === null || event.userId === viewerId) this.accessLost(event.teamId);
        return null;
      case 'access-granted':
        if (this.options.followJoins && event.userId === viewerId) await this.join(event.teamId);
        return null;
      default:
        return null;
    }
  }

  /** The check every item passes just before it is handed out. */
  private async admit(activity: DeliveredActivity): Promise<FeedItem | null> {
    const followed = this.teams.get(activity.teamId);
    if (!followed || activity.seq <= followed.lastSent) return null;
    if (activity.action === ActivityAction.TEAM_DELETED) {
      // Memberships are gone with the team. A member whose feed is contiguous up to here was a
      // member until this event (a removal earlier in the log would have ended it); anyone else
      // only learns that access ended.
      const contiguous = activity.seq === followed.lastSent + 1;
      this.accessLost(activity.teamId);
      if (!contiguous) return null;
      followed.lastSent = activity.seq;
      if (activity.teamSnapshot) vouchFor(activity.teamSnapshot);
      return vouchFor(activity);
    }
    const { subscriber, services } = this.options;
    const { viewerId } = this;
    const reads = liveReads(services.dataSource);
    // Fresh loaders for every item (graphql-ws keeps one context per operation), holding the
    // reads just made: the permission rules and field resolvers of this item see exactly them.
    const loaders = createLoaders(services.dataSource, viewerId);
    const sessionId = this.sessionId;
    const { actorId } = activity;
    const [access, team, actor, actorRole] = await Promise.all([
      reads.access.load(accessKey(activity.teamId, sessionId)),
      reads.teams.load(activity.teamId),
      actorId ? loaders.user.load(actorId) : null,
      // The actor's own role here, through the shared role batch (one read for all feeds).
      actorId ? createLoaders(services.dataSource, actorId).viewerRole.load(activity.teamId) : null,
    ]);
    if (!access?.sessionActive) {
      this.endSession();
      return null;
    }
    if (!access.role) {
      this.accessLost(activity.teamId);
      return null;
    }
    loaders.viewerRole.prime(activity.teamId, access.role);
    if (team) loaders.team.prime(team.id, team);
    // An actor still in this team shares it with the subscriber: their profile is visible
    // without another read. Anyone else is looked up (batched across subscribers) if selected.
    if (actor && actorRole) loaders.sharesTeamWith.prime(actor.id, true);
    subscriber.useLoaders(loaders);
    followed.lastSent = activity.seq;
    return activity;
  }

  audienceFor(teamId: string, seq: number): string | null {
    const live = this.options.subscriber.live;
    if (!live?.audience || this.closed || this.held || !this.waiter) return null;
    if (this.inbox.length || this.rows.length || this.endPending) return null;
    if (live.socket.readyState !== live.socket.OPEN) return null;
    if (live.socket.bufferedAmount > MAX_SOCKET_BACKLOG) return null;
    const followed = this.teams.get(teamId);
    if (!followed || seq !== followed.lastSent + 1) return null;
    for (const other of this.teams.values()) if (other.catchUp) return null;
    return live.audience;
  }

  hold(): void {
    this.held = true;
  }

  release(): void {
    this.held = false;
    if (this.inbox.length || this.rows.length || this.endPending) this.wake();
  }

  sent(teamId: string, seq: number): void {
    const followed = this.teams.get(teamId);
    if (followed && seq > followed.lastSent) followed.lastSent = seq;
  }

  loseAccess(teamId: string): void {
    this.accessLost(teamId);
    this.wake();
  }

  /** The subscriber's session ended: its socket closes (4403), which ends this feed too. */
  endSession(): void {
    const live = this.options.subscriber.live;
    if (live) live.socket.close(CLOSE_FORBIDDEN, 'Forbidden');
    else this.accessLost(null);
    this.wake();
  }

  private accessLost(teamId: string | null): void {
    if (this.options.onAccessLost === 'end') {
      this.endPending ??= new AccessLost(teamId);
      return;
    }
    const followed = teamId === null ? undefined : this.teams.get(teamId);
    if (!followed || teamId === null) return;
    followed.unsubscribe();
    this.teams.delete(teamId);
    for (let i = this.rows.length - 1; i >= 0; i -= 1) {
      if (this.rows[i].teamId === teamId) this.rows.splice(i, 1);
    }
  }

  /** Starts following a team just joined, from the first activity recorded since joining. */
  private async join(teamId: string): Promise<void> {
    if (this.teams.has(teamId)) return;
    await this.follow(teamId, 0, false);
    const [row] = await this.options.services.dataSource.query<{ before_join: number }[]>(
      `SELECT coalesce(max(a.seq), 0)::int AS before_join
         FROM memberships m
         LEFT JOIN activities a ON a.team_id = m.team_id AND a.created_at < m.joined_at
        WHERE m.team_id = $1 AND m.user_id = $2
        GROUP BY m.team_id`,
      [teamId, this.viewerId],
    );
    if (!row) {
      // Already gone again: nothing to follow.
      this.accessLost(teamId);
      return;
    }
    this.startAt(teamId, row.before_join, true);
  }

  receive(event: DomainEvent): void {
    if (this.closed) return;
    this.inbox.push({ event });
    if (this.inbox.length > (this.options.maxBuffered ?? MAX_BUFFERED_EVENTS)) this.shed();
    this.wake();
  }

  /**
   * Too far behind: drop buffered activity that can be read back from the table, and catch
   * up from there. TEAM_DELETED (its rows are gone) and access changes stay.
   */
  private shed(): void {
    const kept = this.inbox.filter(({ event }) => {
      if (event.kind !== 'activity' || event.activity.action === ActivityAction.TEAM_DELETED) {
        return true;
      }
      const followed = this.teams.get(event.activity.teamId);
      if (followed) followed.catchUp = true;
      return false;
    });
    this.inbox.length = 0;
    this.inbox.push(...kept);
  }

  private waitForEvent(): Promise<void> {
    if (this.inbox.length || this.closed) return Promise.resolve();
    return new Promise((resolve) => {
      this.waiter = resolve;
    });
  }

  private wake(): void {
    // While an audience delivers for this feed, its own path waits (release wakes it).
    if (this.held && !this.closed) return;
    const waiter = this.waiter;
    this.waiter = null;
    waiter?.();
  }
}
