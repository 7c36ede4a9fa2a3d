import { GraphQLError } from 'graphql';
import { Between, MoreThan } from 'typeorm';
import { ActivityCheckpoint } from '../../entities/activity-checkpoint.entity';
import { Activity } from '../../entities/activity.entity';
import { ActivityAction } from '../../entities/activity-action.enum';
import { Team } from '../../entities/team.entity';

import { ErrorCode } from '../errors/error-codes';
import {
  userChannel,
  type AccessRevokedEvent,
  type ActivityEvent,
  type DomainEvent,
} from '../events/domain-events';
import type { Unsubscribe } from '../events/event-bus';
import { createLoaders } from '../loaders/loaders';
import { eventDelivered } from '../metrics/event-metrics';
import { subscriptionEnded, subscriptionStarted } from '../metrics/ws-metrics';
import type { Services } from '../services';
import { sameId } from '../validation/ids';
import type { AudienceMember } from './audience-hub';
import { endsAccess, type EndingFields } from './entitlement';
import { AccessLost } from './feed-checked';
import { accessKey, type LiveAccess } from './live-reads';
import type { LiveSubscriber } from './live-subscriber';
import { activityFromEvent, owedRow, type DeliveredActivity } from './owed-row';
import { publishedIn } from '../events/in-memory-event-bus';
import { SpanAttribute } from '../tracing/span-attributes';
import { SpanKind, withSpan } from '../tracing/with-span';

/** Stored rows are read this many at a time (replay and gap filling). */
export const REPLAY_BATCH = 100;
/**
 * Live events waiting for a slow reader beyond this are dropped and read back from the table
 * later, so a stalled socket costs bounded memory.
 */
export const MAX_BUFFERED_EVENTS = 1_000;
/** A socket with more than this waiting to be written gets events on its own, paced path. */
export const MAX_SOCKET_BACKLOG = 256 * 1024;
/**
 * How long a feed waits on the bus for rows the table no longer has (the team was deleted
 * right behind them, and their events are still on their way from another instance) before it
 * gives them up and ends with ACCESS_REVOKED.
 */
export const LOST_ROWS_WAIT_MS = 10_000;

export type FeedItem = Activity | AccessLost;

interface Followed {
  /** Seq of the newest activity sent (or skipped as already known) for this team. */
  lastSent: number;
  /** True while stored rows after lastSent must be read before live events. */
  catchUp: boolean;
  /** Seq at which the membership this feed follows was read (see entitlement.ts). */
  since: number;
  /** The row that ends the access, once known from a revocation; nothing after it is owed. */
  endsAt: number | null;
  /** Live events ahead of lastSent + 1, by seq, until the rows before them are delivered. */
  parked: Map<number, ActivityEvent>;
  /** The table lacked rows known to exist: the team is deleted, only the bus can bring them. */
  rowsGone: boolean;
  /** Events may have been lost since the last full read of the table (shed, bus outage). */
  missed: boolean;
  /** After a bus outage with the membership gone: read the table to its end, then stop. */
  closing: boolean;
  /** Running while rows are awaited from the bus (LOST_ROWS_WAIT_MS). */
  lostTimer: NodeJS.Timeout | null;
  unsubscribe: Unsubscribe;
}

interface Inbound {
  event: DomainEvent;
}

export interface LiveActivityFeedOptions {
  services: Pick<
    Services,
    'dataSource' | 'bus' | 'logger' | 'config' | 'loaderSources' | 'liveReads' | 'audienceHub'
  >;
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
  /** Overrides LOST_ROWS_WAIT_MS (tests). */
  lostRowsWaitMs?: number;
}

const DONE: IteratorResult<FeedItem> = { value: undefined, done: true };

/**
 * Activity of one or more teams as an async iterator, in seq order per team, each seq at most
 * once. Listeners are attached before stored rows are read; live events are buffered, those
 * at or below the last sent seq dropped, those ahead of it parked, and a jump in seq is filled
 * from the table — or, once the team is deleted, from the bus. Access is judged at each row's
 * commit (entitlement.ts): every row up to the one that ends the viewer's access is owed, that
 * row too, then the end. Just before an item is handed out (which is when graphql-ws resolves
 * it) the session is checked, and the viewer's role read to resolve it with.
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
  private paused = false;

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
    const unsubscribe = this.options.services.audienceHub.follow(teamId, this);
    this.teams.set(teamId, {
      lastSent,
      catchUp,
      since: lastSent,
      endsAt: null,
      parked: new Map(),
      rowsGone: false,
      missed: false,
      closing: false,
      lostTimer: null,
      unsubscribe,
    });
    await unsubscribe.ready;
  }

  /**
   * Sets where a followed team starts: live after `lastSent`, replaying stored rows first if
   * asked. `since` is the seq at which the viewer's membership was read (default lastSent).
   */
  startAt(teamId: string, lastSent: number, catchUp: boolean, since = lastSent): void {
    const followed = this.teams.get(teamId);
    if (!followed) return;
    followed.lastSent = lastSent;
    followed.catchUp = catchUp;
    followed.since = since;
  }

  /** Stops following a team whose membership was found gone before anything was owed. */
  unfollow(teamId: string): void {
    const followed = this.teams.get(teamId);
    if (!followed) return;
    this.forget(teamId, followed);
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
    for (const followed of this.teams.values()) {
      followed.unsubscribe();
      this.stopWaiting(followed);
    }
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
      await this.readStored(teamId, followed);
      return null;
    }
    for (const [teamId, followed] of this.teams) {
      for (const seq of followed.parked.keys()) {
        if (seq <= followed.lastSent) followed.parked.delete(seq);
      }
      const next = followed.parked.get(followed.lastSent + 1);
      if (next) {
        followed.parked.delete(next.activity.seq);
        return this.admit(activityFromEvent(next));
      }
      if (this.awaiting(followed)) {
        this.awaitRows(teamId, followed);
        // Read from the table first, if that is where they are.
        if (followed.catchUp) return null;
      }
    }
    const inbound = this.inbox.shift();
    if (!inbound) {
      await this.waitForEvent();
      return null;
    }
    return this.handle(inbound);
  }

  /**
   * Reads stored rows after lastSent, with the team they belong to (read first: rows found
   * mean it still stood then), so each can be shown even if the team goes next.
   */
  private async readStored(teamId: string, followed: Followed): Promise<void> {
    const { dataSource, liveReads } = this.options.services;
    const team = await liveReads.teams.load(teamId);
    const rows = await dataSource.getRepository(Activity).find({
      where: { teamId, seq: MoreThan(followed.lastSent) },
      order: { seq: 'ASC' },
      take: REPLAY_BATCH,
    });
    if (!this.teams.has(teamId)) return;
    const snapshot = team && Object.assign(new Team(), team);
    for (const row of rows) if (snapshot) Object.assign(row, { teamSnapshot: snapshot });
    // Replayed rows carry the checkpoints signed at their sizes, as live ones do.
    const checkpoints = rows.length
      ? await dataSource.getRepository(ActivityCheckpoint).findBy({
          teamId,
          treeSize: Between(rows[0].seq, rows[rows.length - 1].seq),
        })
      : [];
    const bySize = new Map(checkpoints.map((c) => [c.treeSize, c]));
    for (const row of rows) {
      const checkpoint = bySize.get(row.seq);
      if (checkpoint) Object.assign(row, { checkpoint });
    }
    this.rows.push(...rows);
    if (rows.length === REPLAY_BATCH) return;
    followed.catchUp = false;
    // Rows known to exist (parked behind a gap, or up to a revocation) that the table lacks
    // went with the team: from here only the bus can bring them.
    if (!rows.length && this.awaiting(followed)) followed.rowsGone = true;
    else followed.missed = false;
    if (followed.closing) {
      followed.closing = false;
      const last = rows.length ? rows[rows.length - 1].seq : followed.lastSent;
      followed.endsAt = Math.min(followed.endsAt ?? last, last);
      this.endIfDue(teamId, followed);
    }
  }

  /** Rows after lastSent are known to exist but have not arrived. */
  private awaiting(followed: Followed): boolean {
    if (followed.closing) return false;
    return (
      followed.parked.size > 0 || (followed.endsAt !== null && followed.endsAt > followed.lastSent)
    );
  }

  /**
   * Gets rows known to exist: from the table while it has them, else from the bus — unless
   * the bus may have lost them too, or they do not come in time, when the feed gives the team
   * up (ACCESS_REVOKED, or dropped from myActivity) rather than skip a row it was owed.
   */
  private awaitRows(teamId: string, followed: Followed): void {
    if (!followed.rowsGone) {
      followed.catchUp = true;
      return;
    }
    if (followed.missed) {
      this.rowsLost(teamId);
      return;
    }
    if (followed.lostTimer) return;
    const waitedFor = followed.lastSent;
    followed.lostTimer = setTimeout(() => {
      followed.lostTimer = null;
      if (this.teams.get(teamId) !== followed || this.closed) return;
      if (followed.lastSent === waitedFor && this.awaiting(followed)) this.rowsLost(teamId);
      this.wake();
    }, this.options.lostRowsWaitMs ?? LOST_ROWS_WAIT_MS);
    followed.lostTimer.unref();
  }

  private rowsLost(teamId: string): void {
    this.options.services.logger.warn(
      { teamId, viewerId: this.viewerId },
      'live feed lost rows of a deleted team; its access ends here',
    );
    this.accessLost(teamId);
  }

  private stopWaiting(followed: Followed): void {
    if (followed.lostTimer) clearTimeout(followed.lostTimer);
    followed.lostTimer = null;
  }

  /** Ends the access once the row that ends it has been delivered. */
  private endIfDue(teamId: string, followed: Followed): void {
    if (followed.endsAt !== null && followed.lastSent >= followed.endsAt) this.accessLost(teamId);
  }

  /** Whether this row is the last one the viewer is owed of its team. */
  endsAccessWith(row: EndingFields & { teamId: string }): boolean {
    const followed = this.teams.get(row.teamId);
    if (!followed) return true;
    return endsAccess(row, this.viewerId, followed.since) || row.seq === followed.endsAt;
  }

  private async handle({ event }: Inbound): Promise<FeedItem | null> {
    const { viewerId } = this;
    switch (event.kind) {
      case 'activity': {
        const followed = this.teams.get(event.activity.teamId);
        if (!followed || event.activity.seq <= followed.lastSent) return null;
        if (event.activity.seq > followed.lastSent + 1) {
          // Missed or reordered events: the rows before this one come first (table or bus).
          followed.parked.set(event.activity.seq, event);
          if (followed.parked.size > (this.options.maxBuffered ?? MAX_BUFFERED_EVENTS)) {
            this.shedParked(followed);
          }
          return null;
        }
        // The next seq came from the bus: nothing before it is missing any more.
        followed.missed = false;
        // The check, on this feed's own path; graphql-ws executes and writes what it returns.
        return withSpan(
          'live.deliver',
          {
            kind: SpanKind.CONSUMER,
            parent: publishedIn(event),
            attributes: () => ({
              [SpanAttribute.instanceId]: this.options.services.bus.instanceId,
              [SpanAttribute.teamId]: event.activity.teamId,
              [SpanAttribute.firstSeq]: event.activity.seq,
              [SpanAttribute.livePath]: 'feed',
            }),
          },
          () => this.admit(activityFromEvent(event)),
        );
      }
      case 'access-revoked':
        if (event.userId === null || sameId(event.userId, viewerId)) this.revoked(event);
        return null;
      case 'access-granted':
        if (this.options.followJoins && event.userId === viewerId) await this.join(event.teamId);
        return null;
      default:
        return null;
    }
  }

  /** A revocation names the row that ended the access: rows up to it are still owed. */
  private revoked(event: AccessRevokedEvent): void {
    const followed = this.teams.get(event.teamId);
    if (event.seq === undefined || !followed) {
      this.accessLost(event.teamId);
      return;
    }
    // An earlier membership's end, arriving late: this one is not affected.
    if (event.seq <= followed.since) return;
    followed.endsAt = Math.min(followed.endsAt ?? event.seq, event.seq);
    this.endIfDue(event.teamId, followed);
  }

  /**
   * Hands out the team's next row (seq lastSent + 1) unless the access ended before it. Rows
   * arrive here in seq order, so one that is not past the row ending the access is owed
   * (entitlement.ts), whatever the viewer's membership is by now.
   */
  private async admit(activity: DeliveredActivity): Promise<FeedItem | null> {
    const followed = this.teams.get(activity.teamId);
    if (!followed || activity.seq <= followed.lastSent) return null;
    if (followed.endsAt !== null && activity.seq > followed.endsAt) {
      this.accessLost(activity.teamId);
      return null;
    }
    const ending = this.endsAccessWith(activity);
    const item = await this.owed(activity);
    if (!item || this.teams.get(activity.teamId) !== followed) return null;
    followed.lastSent = activity.seq;
    if (ending) this.accessLost(activity.teamId);
    return item;
  }

  /** Reads what the item is resolved with (null: the session ended, or a two-factor hold began). */
  private async owed(activity: DeliveredActivity): Promise<FeedItem | null> {
    const { subscriber, services } = this.options;
    const { viewerId } = this;
    if (activity.action === ActivityAction.TEAM_DELETED) {
      // The team and its memberships are gone: nothing to read, every follower was owed it.
      const { root, loaders } = owedRow(services.loaderSources, viewerId, activity, {
        role: null,
        team: null,
      });
      subscriber.useLoaders(loaders);
      return root;
    }
    const reads = services.liveReads;
    const sessionId = this.sessionId;
    const { actorId } = activity;
    const [access, team, actor, actorRole] = await Promise.all([
      reads.access.load(accessKey(activity.teamId, sessionId)),
      reads.teams.load(activity.teamId),
      actorId ? createLoaders(services.loaderSources, viewerId).user.load(actorId) : null,
      // The actor's own role here, through the shared role batch (one read for all feeds).
      actorId
        ? createLoaders(services.loaderSources, actorId).viewerRole.load(activity.teamId)
        : null,
    ]);
    if (!this.keepsAccess(activity.teamId, access)) return null;
    // Fresh loaders for every item (graphql-ws keeps one context per operation), holding the
    // reads just made: the permission rules and field resolvers of this item see exactly them.
    const { root, loaders } = owedRow(services.loaderSources, viewerId, activity, {
      role: access.role,
      team,
    });
    // An actor still in this team shares it with a member: their profile is visible without
    // another read. Anyone else is looked up (batched across subscribers) if selected.
    if (actor) loaders.user.prime(actor.id, actor);
    if (actor && actorRole && access.role) loaders.sharesTeamWith.prime(actor.id, true);
    subscriber.useLoaders(loaders);
    return root;
  }

  audienceFor(teamId: string, seq: number): string | null {
    const live = this.options.subscriber.live;
    if (!live?.audience || this.closed || this.paused || !this.waiter) return null;
    if (this.inbox.length || this.rows.length || this.endPending) return null;
    if (!live.isOpen || live.backlog > MAX_SOCKET_BACKLOG) return null;
    const followed = this.teams.get(teamId);
    if (!followed || seq !== followed.lastSent + 1) return null;
    for (const other of this.teams.values()) {
      if (other.catchUp || other.closing || other.parked.size || other.endsAt !== null) return null;
    }
    return live.audience;
  }

  /**
   * The bus was away: events may have been lost. Rows awaited from the bus for a deleted team
   * are given up at once; other missed rows are read from the table at the team's next event
   * (its seq jumps). With the membership gone meanwhile (`former`) no next event may come: the
   * feed reads the table to its end now and stops there, its access ending with the last row it
   * finds (or the ending row among them).
   */
  busRestored(teamId: string, former: boolean): void {
    const followed = this.teams.get(teamId);
    if (!followed || this.closed) return;
    followed.missed = true;
    if (followed.rowsGone && this.awaiting(followed)) this.rowsLost(teamId);
    else if (former) {
      followed.catchUp = true;
      followed.closing = true;
    }
    this.wake();
  }

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
    if (this.inbox.length || this.rows.length || this.endPending) this.wake();
  }

  sent(teamId: string, seq: number): void {
    const followed = this.teams.get(teamId);
    if (!followed || seq <= followed.lastSent) return;
    followed.lastSent = seq;
    // The audience takes only the next seqs, as they come from the bus: none is missing.
    followed.missed = false;
  }

  loseAccess(teamId: string): void {
    this.accessLost(teamId);
    this.wake();
  }

  /**
   * Whether the subscriber may still receive the team's rows, by what a check found (on this
   * feed's own path or an audience's); ends what lost its access now. A membership that ended
   * is no reason: the rows up to its end are still owed (entitlement.ts), and the feed ends at
   * that row. An ended session and a two-factor hold end at once.
   */
  keepsAccess(teamId: string, access: LiveAccess | null | undefined): access is LiveAccess {
    if (this.closed) return false;
    if (!access?.sessionActive) {
      this.endSession();
      return false;
    }
    if (!access.role && access.member) {
      // Held out by the team's two-factor requirement: a rule of the present, not of the log.
      this.loseAccess(teamId);
      return false;
    }
    return true;
  }

  /** The subscriber's session ended: its socket closes, which ends this feed too. */
  private endSession(): void {
    const live = this.options.subscriber.live;
    if (live) live.endSession();
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
    this.forget(teamId, followed);
  }

  private forget(teamId: string, followed: Followed): void {
    followed.unsubscribe();
    this.stopWaiting(followed);
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
   * up from there. TEAM_DELETED and access changes stay. Should the team be deleted before
   * the dropped rows are read, they are lost: the feed then ends as after a bus outage.
   */
  private shed(): void {
    const kept = this.inbox.filter(({ event }) => {
      if (event.kind !== 'activity' || event.activity.action === ActivityAction.TEAM_DELETED) {
        return true;
      }
      const followed = this.teams.get(event.activity.teamId);
      if (followed) {
        followed.catchUp = true;
        followed.missed = true;
      }
      return false;
    });
    this.inbox.length = 0;
    this.inbox.push(...kept);
  }

  /** As shed, for events parked behind a gap. */
  private shedParked(followed: Followed): void {
    for (const [seq, event] of followed.parked) {
      if (event.activity.action !== ActivityAction.TEAM_DELETED) followed.parked.delete(seq);
    }
    followed.catchUp = true;
    followed.missed = true;
  }

  private waitForEvent(): Promise<void> {
    if (this.inbox.length || this.closed) return Promise.resolve();
    return new Promise((resolve) => {
      this.waiter = resolve;
    });
  }

  private wake(): void {
    // While an audience delivers for this feed, its own path waits (resume wakes it).
    if (this.paused && !this.closed) return;
    const waiter = this.waiter;
    this.waiter = null;
    waiter?.();
  }
}
