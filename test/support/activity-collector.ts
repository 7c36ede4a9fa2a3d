import type {
  Activity,
  ActivityHandlers,
  FeedEnd,
  ForkReport,
  GapReport,
  LogVerifiedReport,
  TamperReport,
} from '../../client/src';
import type { FeedStatus } from '../../client/src/feed-loop';

/** Handlers that record everything a follow reports, with waits on what arrives. */
export interface ActivityCollector extends Required<ActivityHandlers> {
  activities: Activity[];
  statuses: FeedStatus[];
  /**
   * Resolves once the feed's starting point is fixed and its subscription loop runs: rows
   * committed from then on reach it (replayed after that point or live).
   */
  started: Promise<void>;
  gaps: GapReport[];
  tampers: TamperReport[];
  /** The hash chain's reports alone (the log's checks report rows too, once checkpointed). */
  chainTampers(): TamperReport[];
  forks: ForkReport[];
  verified: LogVerifiedReport[];
  ends: FeedEnd[];
  /** Resolves once a row with this seq (of any team) has arrived. */
  waitForSeq(seq: number, timeoutMs?: number): Promise<void>;
  /** Resolves once `ready` holds for what has arrived. */
  waitFor(
    what: string,
    ready: (activities: Activity[]) => boolean,
    timeoutMs?: number,
  ): Promise<void>;
}

export function collectActivity(): ActivityCollector {
  let resolveStarted!: () => void;
  const started = new Promise<void>((resolve) => (resolveStarted = resolve));
  const waiters: { ready(): boolean; resolve(): void }[] = [];
  const check = () => {
    for (const w of [...waiters])
      if (w.ready()) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
  };
  const collector: ActivityCollector = {
    activities: [],
    gaps: [],
    tampers: [],
    chainTampers: () => collector.tampers.filter((t) => t.kind === 'chain'),
    forks: [],
    verified: [],
    ends: [],
    statuses: [],
    started,
    onStatus: (status) => {
      collector.statuses.push(status);
      if (status === 'connecting') resolveStarted();
    },
    onActivity: (a) => {
      collector.activities.push(a);
      check();
    },
    onGap: (g) => collector.gaps.push(g),
    onTamper: (t) => {
      collector.tampers.push(t);
      check();
    },
    onFork: (f) => {
      collector.forks.push(f);
      check();
    },
    onVerified: (v) => {
      collector.verified.push(v);
      check();
    },
    onRevoked: (e) => collector.ends.push(e),
    waitForSeq: (seq, timeoutMs) =>
      collector.waitFor(`seq ${seq}`, (all) => all.some((a) => a.seq >= seq), timeoutMs),
    waitFor: (what, ready, timeoutMs = 10_000) =>
      new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          const seen = collector.activities.map((a) => a.seq).join(',');
          reject(new Error(`${what} did not arrive within ${timeoutMs} ms (seen: ${seen})`));
        }, timeoutMs);
        waiters.push({
          ready: () => ready(collector.activities),
          resolve: () => {
            clearTimeout(timer);
            resolve();
          },
        });
        check();
      }),
  };
  return collector;
}
