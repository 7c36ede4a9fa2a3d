import type {
  Activity,
  ActivityHandlers,
  FeedEnd,
  GapReport,
  TamperReport,
} from '../../client/src';

/** Handlers that record everything a follow reports, with waits on what arrives. */
export interface ActivityCollector extends Required<Omit<ActivityHandlers, 'onStatus'>> {
  activities: Activity[];
  gaps: GapReport[];
  tampers: TamperReport[];
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
    ends: [],
    onActivity: (a) => {
      collector.activities.push(a);
      check();
    },
    onGap: (g) => collector.gaps.push(g),
    onTamper: (t) => collector.tampers.push(t),
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
