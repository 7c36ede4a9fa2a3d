import { liveErrorCode } from '../support/ws-client';
import type { Feed, FeedRow } from './promises';
import type { World } from './world';

const FEED_WAIT_MS = 20_000;

const rowsOf = (results: { data?: Record<string, unknown> | null }[]): FeedRow[] =>
  results
    .map((r) => r.data?.teamActivity as { seq: number; action: string } | undefined)
    .filter((a): a is { seq: number; action: string } => Boolean(a))
    .map(({ seq, action }) => ({ seq, action }));

const show = (rows: FeedRow[]) => rows.map((r) => `${r.seq}:${r.action}`).join(' ');

/**
 * Waits for each feed to reach what the model owes it, then compares: an open feed has exactly
 * its entitled rows; a revoked one those rows, then ACCESS_REVOKED; one cut off with its
 * session an in-order prefix of them (and at most the row that cut it). Never an
 * INTERNAL_SERVER_ERROR. Waits on the stream itself: the last owed row, the end, or the close.
 */
export async function compareFeeds(world: World, feeds: Feed[]): Promise<string[]> {
  const differences: string[] = [];
  for (const owed of feeds) {
    const open = world.feeds.get(owed.key);
    if (!open) continue;
    const { live, feed } = open;
    const last = owed.expected.at(-1);
    const what = `feed ${owed.key} (${owed.state}) of ${owed.accountId} on ${owed.teamId}`;
    try {
      if (owed.state === 'open' && last)
        await feed.until(
          (f) => f.completed || rowsOf(f.results).some((r) => r.seq >= last.seq),
          FEED_WAIT_MS,
          `${what}: seq ${last.seq}`,
        );
      if (owed.state === 'revoked')
        await feed.until((f) => f.completed || live.isClosed(), FEED_WAIT_MS, `${what}: its end`);
      if (owed.state === 'cut')
        await Promise.race([
          live.closed,
          feed.until((f) => f.completed, FEED_WAIT_MS, `${what}: its end`),
        ]);
    } catch (error) {
      differences.push(String(error));
      continue;
    }
    const got = rowsOf(feed.results);
    const errors = feed.results.filter((r) => r.errors?.length).map((r) => liveErrorCode(r));
    if (feed.error) errors.push(liveErrorCode(feed.error) ?? String(feed.error));
    if (errors.includes('INTERNAL_SERVER_ERROR'))
      differences.push(`${what} got INTERNAL_SERVER_ERROR`);
    if (owed.state === 'cut') {
      const allowed = owed.expected.slice(0, got.length);
      const prefix = got.slice(0, allowed.length);
      const extra = got.length - owed.expected.length;
      const extraFollows = extra <= 0 || (extra === 1 && got.at(-1)!.seq === (last?.seq ?? 0) + 1);
      if (show(prefix) !== show(allowed) || !extraFollows)
        differences.push(`${what}: got ${show(got)}, owed a prefix of ${show(owed.expected)}`);
      continue;
    }
    if (show(got) !== show(owed.expected))
      differences.push(`${what}: got ${show(got)}, owed ${show(owed.expected)}`);
    const ending = owed.state === 'revoked' ? ['ACCESS_REVOKED'] : [];
    if (JSON.stringify(errors) !== JSON.stringify(ending))
      differences.push(
        `${what}: ended with ${JSON.stringify(errors)}, owed ${JSON.stringify(ending)}`,
      );
  }
  return differences;
}
