import {
  ActivityPageDocument,
  MyActivityDocument,
  MyTeamsNewestActivityDocument,
  type ActivityPageQuery,
  type MyActivitySubscription,
} from '../generated/graphql';
import { ActivityChain } from './activity-chain';
import type { Activity, ActivityFollow, ActivityHandlers } from './activity-follow';
import type { BackoffOptions } from './backoff';
import { deliverActivity } from './deliver-activity';
import { runFeedLoop } from './feed-loop';
import type { TeamgraphClient } from './teamgraph-client';

export interface MyActivityOptions {
  backoff?: BackoffOptions;
  /** Rows fetched over HTTP to fill one hole before it is reported as a gap. */
  maxFillRows?: number;
}

const PAGE = 100;

/**
 * Activity of all my teams. `myActivity` takes no afterSeq, so after each (re)subscribe the
 * kit reads every team's newest seq over HTTP and fetches what it missed from the keyset feed;
 * a seq jump in the live stream is filled the same way before it counts as a gap.
 */
export function followMyActivity(
  client: TeamgraphClient,
  handlers: ActivityHandlers,
  options: MyActivityOptions = {},
): ActivityFollow {
  const chains = new Map<string, ActivityChain>();
  const stats = { duplicatesDropped: 0, reconnects: 0 };
  const maxFillRows = options.maxFillRows ?? 1_000;
  let anchored = false;

  const chainOf = (teamId: string) => {
    let chain = chains.get(teamId);
    if (!chain) chains.set(teamId, (chain = new ActivityChain()));
    return chain;
  };

  const deliver = async (activity: Activity) => {
    if (!(await deliverActivity(chainOf(activity.team.id), activity, handlers)))
      stats.duplicatesDropped += 1;
  };

  /** Rows afterSeq < seq <= upToSeq of one team, oldest first, from the newest-first feed. */
  const fill = async (teamId: string, afterSeq: number, upToSeq: number) => {
    const rows: Activity[] = [];
    let after: string | null = null;
    try {
      while (rows.length < maxFillRows) {
        const page: ActivityPageQuery = await client.request(ActivityPageDocument, {
          teamId,
          first: PAGE,
          after,
        });
        const nodes = page.team.activity.edges.map((edge) => edge.node);
        rows.push(...nodes.filter((n) => n.seq > afterSeq && n.seq <= upToSeq));
        const { hasNextPage, endCursor } = page.team.activity.pageInfo;
        if (!hasNextPage || nodes.some((n) => n.seq <= afterSeq + 1)) break;
        after = endCursor;
      }
    } catch {
      // No longer a member, or unreachable: whatever stays missing is reported as a gap.
    }
    for (const row of rows.sort((a, b) => a.seq - b.seq)) await deliver(row);
  };

  const catchUp = async () => {
    // Unreachable over HTTP just now: the next row's seq jump (or reconnect) fills it instead.
    const answer = await client.request(MyTeamsNewestActivityDocument).catch(() => null);
    if (!answer) return;
    const { me } = answer;
    for (const { team } of me?.teams ?? []) {
      const newest = team.activity.edges[0]?.node;
      if (!newest) continue;
      const at = chains.get(team.id)?.current;
      if (!anchored || !at) await chainOf(team.id).accept(newest);
      else if (newest.seq > at.seq) await fill(team.id, at.seq, newest.seq);
    }
    anchored = true;
  };

  const loop = runFeedLoop<MyActivitySubscription>({
    ws: client.ws,
    document: client.documentPayload(MyActivityDocument),
    variables: () => ({}),
    afterSubscribe: catchUp,
    onData: async ({ myActivity }) => {
      const at = chains.get(myActivity.team.id)?.current;
      if (at && myActivity.seq > at.seq + 1)
        await fill(myActivity.team.id, at.seq, myActivity.seq - 1);
      await deliver(myActivity);
    },
    onStatus: handlers.onStatus,
    backoff: options.backoff,
  });
  const done = loop.done.then((reason) => {
    if (reason.code !== 'STOPPED') handlers.onRevoked?.(reason);
    return reason;
  });

  return {
    stop: () => loop.stop(),
    done,
    position: (teamId) => chains.get(teamId)?.current,
    get stats() {
      return { ...stats, reconnects: loop.reconnects };
    },
  };
}
