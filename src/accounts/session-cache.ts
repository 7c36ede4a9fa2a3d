import { userChannel, type DomainEvent } from '../events/domain-events';
import type { EventBus, Unsubscribe } from '../events/event-bus';
import { ownCopy } from '../util/own-copy';
import type { Viewer } from './session.service';

/**
 * Whether the event bus can be trusted to deliver every revocation. `epoch` changes whenever
 * events may have been missed (the broker connection dropped); a cached session is used only
 * in the epoch it was stored in, and only while `trusted()`.
 */
export interface BusHealth {
  epoch(): number;
  trusted(): boolean;
  /**
   * True when every event published anywhere is published by this process (the in-process
   * bus of a single instance): then every revocation passes through `committed` here.
   */
  publishesEverything?(): boolean;
}

/** The in-process bus cannot miss an event, and nobody else publishes on it. */
export const alwaysDelivers: BusHealth = {
  epoch: () => 0,
  trusted: () => true,
  publishesEverything: () => true,
};

/** Events after which a user's cached sessions and profile must be read again. */
const drops = (event: DomainEvent): string | null =>
  event.kind === 'sessions-revoked' || event.kind === 'account' ? event.userId : null;

interface Entry {
  viewer: Viewer;
  until: number;
  epoch: number;
}

/** This process's subscription to one user's channel, while any of their sessions is cached. */
interface Watch {
  unsubscribe: Unsubscribe;
  /** Clock value once the subscription was confirmed (null: not yet). */
  readyAt: number | null;
  epoch: number;
  /** Clock value of the last drop. */
  droppedAt: number;
  tokens: Set<string>;
  lastUsed: number;
}

/** How long a user's channel stays subscribed after their last cached request. */
const WATCH_IDLE_MS = 60_000;

/**
 * Resolved sessions (with their users) kept per process for a few seconds, so a request
 * needs no session read. Correctness rests on the revocation events every instance receives
 * on the user's channel:
 * - an entry is stored only from a read that began after this process was subscribed to the
 *   user's channel, and after the user's last drop, so no revocation can fall in between;
 * - `sessions-revoked` and `account` events drop every entry of the user: the instance where
 *   the change committed does so synchronously, before the mutation answers (`committed`),
 *   the others when the bus delivers it;
 * - while the bus is not trusted (broker down, or back but not yet proven), nothing is served
 *   from or stored in the cache, and what was stored before is discarded.
 */
export class SessionCache {
  private readonly entries = new Map<string, Entry>();
  private readonly watches = new Map<string, Watch>();
  private clock = 0;
  /** Clock value of the last drop of anyone committed in this process. */
  private lastCommittedDrop = 0;
  private readonly sweeper: NodeJS.Timeout | null;
  private readonly stopObserving: () => void;

  constructor(
    private readonly bus: EventBus,
    private readonly ttlMs: number,
    private readonly health: BusHealth = alwaysDelivers,
    private readonly maxEntries = 10_000,
  ) {
    this.sweeper = ttlMs > 0 ? setInterval(() => this.sweep(), Math.max(ttlMs, 1_000)) : null;
    this.sweeper?.unref();
    // Told of every batch published here before its listeners, so before anyone is answered.
    this.stopObserving = bus.observePublishing((events) => this.committed(events));
  }

  /** A private copy of the cached viewer for this token hash, or null. */
  get(tokenHash: string): Viewer | null {
    const entry = this.entries.get(tokenHash);
    if (!entry) return null;
    if (entry.until <= Date.now() || !this.usable(entry.epoch)) {
      this.forget(tokenHash);
      return null;
    }
    const watch = this.watches.get(entry.viewer.user.id);
    if (watch) watch.lastUsed = Date.now();
    return copyViewer(entry.viewer);
  }

  /** Taken just before reading a session from the database; handed to `store`. */
  ticket(): number {
    return ++this.clock;
  }

  /** Keeps what a read that began at `ticket` found, unless a drop may have fallen after it. */
  store(tokenHash: string, viewer: Viewer, ticket: number): void {
    if (this.ttlMs <= 0 || !this.health.trusted()) return;
    const watch = this.watch(viewer.user.id);
    watch.lastUsed = Date.now();
    if (!this.quietSince(viewer.user.id, ticket)) return;
    while (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.forget(oldest);
    }
    const until = Math.min(Date.now() + this.ttlMs, viewer.session.expiresAt.getTime());
    this.entries.set(tokenHash, { viewer: copyViewer(viewer), until, epoch: watch.epoch });
    watch.tokens.add(tokenHash);
  }

  /**
   * True when every revocation of the user published after `ticket` has reached this
   * process's listeners of the user's channel, or will. Either the cache's own watch of that
   * channel was confirmed before `ticket`, has dropped nothing since, and the bus was trusted
   * all the while; or this process publishes every event there is and nobody's sessions were
   * dropped here since `ticket`. A listener added to the channel now then needs no re-read of
   * what was read after `ticket`: whatever it could have missed, the cache would have seen.
   */
  quietSince(userId: string, ticket: number): boolean {
    const watch = this.watches.get(userId);
    if (watch && watch.droppedAt >= ticket) return false;
    if (watch && watch.readyAt !== null && watch.readyAt < ticket) return this.usable(watch.epoch);
    return this.health.publishesEverything?.() === true && this.lastCommittedDrop < ticket;
  }

  /** Events that just committed here: dropped at once, before anyone is answered. */
  committed(events: DomainEvent[]): void {
    for (const event of events) {
      const userId = drops(event);
      if (!userId) continue;
      this.lastCommittedDrop = ++this.clock;
      this.drop(userId);
    }
  }

  /** Forgets every cached session of the user; reads in flight will not be stored. */
  drop(userId: string): void {
    const watch = this.watches.get(userId);
    if (!watch) return;
    watch.droppedAt = ++this.clock;
    for (const token of watch.tokens) this.entries.delete(token);
    watch.tokens.clear();
  }

  /** Number of cached sessions (tests, metrics). */
  size(): number {
    return this.entries.size;
  }

  /** Users whose channel the cache listens to (bounded by the idle sweep). */
  watchCount(): number {
    return this.watches.size;
  }

  close(): void {
    this.stopObserving();
    if (this.sweeper) clearInterval(this.sweeper);
    for (const watch of this.watches.values()) watch.unsubscribe();
    this.watches.clear();
    this.entries.clear();
  }

  private usable(epoch: number): boolean {
    if (this.health.trusted() && this.health.epoch() === epoch) return true;
    // Events may have been missed: nothing stored so far can be trusted any more.
    this.clearAll();
    return false;
  }

  private clearAll(): void {
    for (const watch of this.watches.values()) watch.unsubscribe();
    this.watches.clear();
    this.entries.clear();
  }

  private watch(userId: string): Watch {
    const existing = this.watches.get(userId);
    if (existing) return existing;
    const epoch = this.health.epoch();
    // Uncounted: the bus's listenerCount is what feeds and sockets left behind (leak checks);
    // the cache's own watches are `watchCount()`.
    const unsubscribe = this.bus.subscribe(
      userChannel(userId),
      (event) => {
        if (drops(event) === userId) this.drop(userId);
      },
      { uncounted: true },
    );
    const watch: Watch = {
      unsubscribe,
      readyAt: null,
      epoch,
      droppedAt: 0,
      tokens: new Set(),
      lastUsed: Date.now(),
    };
    this.watches.set(userId, watch);
    const confirmed = () => {
      if (this.watches.get(userId) === watch) watch.readyAt = ++this.clock;
    };
    if (unsubscribe.ready) void unsubscribe.ready.then(confirmed);
    else confirmed();
    return watch;
  }

  private forget(tokenHash: string): void {
    const entry = this.entries.get(tokenHash);
    if (!entry) return;
    this.entries.delete(tokenHash);
    this.watches.get(entry.viewer.user.id)?.tokens.delete(tokenHash);
  }

  private sweep(): void {
    const now = Date.now();
    for (const [token, entry] of this.entries) if (entry.until <= now) this.forget(token);
    for (const [userId, watch] of this.watches) {
      if (watch.tokens.size === 0 && now - watch.lastUsed > WATCH_IDLE_MS) {
        watch.unsubscribe();
        this.watches.delete(userId);
      }
    }
  }
}

/** Each request gets its own user and session objects. */
export function copyViewer(viewer: Viewer): Viewer {
  return { user: ownCopy(viewer.user), session: ownCopy(viewer.session) };
}
