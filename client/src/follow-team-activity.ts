import {
  ActivityCheckpointDocument,
  ActivityPageDocument,
  TeamActivityDocument,
  type TeamActivitySubscription,
} from '../generated/graphql';
import { ActivityChain } from './activity-chain';
import type { ActivityFollow, ActivityHandlers } from './activity-follow';
import { backoffDelay, type BackoffOptions } from './backoff';
import { deliverActivity } from './deliver-activity';
import { TeamgraphError } from './errors';
import { runFeedLoop } from './feed-loop';
import { logProofSource } from './log-proof-source';
import type { SigningKey } from './log-verification/checkpoint';
import { LogAuditor, type LogAuditState } from './log-verification/log-auditor';
import type { TeamgraphClient } from './teamgraph-client';

export interface TeamActivityOptions {
  /**
   * Resume after this seq (a stored position). Without it the feed starts at the newest row,
   * read once over HTTP, so even the first reconnect resumes from a known seq.
   */
  afterSeq?: number;
  /** The hash of the row at afterSeq, to verify the very next row too; else it anchors. */
  lastHash?: string;
  /** The log's checks where they stopped (`position(teamId).log`), stored with afterSeq. */
  log?: LogAuditState;
  /** Pinned checkpoint keys (else the client's; else trusted on first use). */
  signingKeys?: readonly SigningKey[];
  backoff?: BackoffOptions;
  /**
   * How long a row may wait for a checkpoint on the live feed before the kit asks for the newest
   * (signed on demand). Replayed rows carry none, and a quiet team sends none after its last row.
   */
  checkpointWaitMs?: number;
}

/**
 * One team's feed: in order, each row once, resumed with afterSeq after every reconnect; every
 * row checked against the hash chain and, as signed checkpoints arrive, the Merkle tree.
 */
export function followTeamActivity(
  client: TeamgraphClient,
  teamId: string,
  handlers: ActivityHandlers,
  options: TeamActivityOptions = {},
): ActivityFollow {
  const known = options.afterSeq !== undefined && options.lastHash !== undefined;
  const chain = new ActivityChain(
    known ? { seq: options.afterSeq!, hash: options.lastHash! } : undefined,
  );
  const stats = { duplicatesDropped: 0, reconnects: 0 };
  const auditor = new LogAuditor(teamId, logProofSource(client, teamId), handlers, {
    pinnedKeys: options.signingKeys,
    saved: known ? options.log : undefined,
  });
  // A checkpoint kept from before is reported again: a server that signed another root answers CONFLICT.
  auditor.witnessKept();
  let checkpointTimer: ReturnType<typeof setTimeout> | undefined;
  const waitForCheckpoint = (arrived: boolean) => {
    if (arrived) {
      clearTimeout(checkpointTimer);
      checkpointTimer = undefined;
    } else if (!checkpointTimer && !stopped)
      checkpointTimer = setTimeout(() => {
        checkpointTimer = undefined;
        void askCheckpoint();
      }, options.checkpointWaitMs ?? 1_000);
  };
  /** The newest signed checkpoint, asked for after each (re)subscribe; a failure waits for the next. */
  const askCheckpoint = () =>
    client.request(ActivityCheckpointDocument, { teamId }).then(
      ({ activityCheckpoint }) => auditor.acceptCheckpoint(activityCheckpoint),
      () => undefined,
    );
  let startAfter = options.afterSeq;

  const startingPoint = async () => {
    if (startAfter !== undefined || chain.current) return;
    // The newest row, retried with backoff while the network is down; a refusal is final.
    let page;
    for (let attempt = 0; ; attempt += 1) {
      try {
        page = await client.request(ActivityPageDocument, { teamId, first: 1 });
        break;
      } catch (error) {
        const refused = error instanceof TeamgraphError && error.code !== 'HTTP_ERROR';
        if (refused || stopped) throw error;
        await new Promise((resolve) => setTimeout(resolve, backoffDelay(attempt, options.backoff)));
      }
    }
    const newest = page.team.activity.edges[0]?.node;
    startAfter = newest?.seq ?? 0;
    if (newest) {
      await chain.accept(newest);
      // Not shown, but the first row the log's checks anchor on.
      auditor.acceptRow(newest);
    }
  };

  let loop: ReturnType<typeof runFeedLoop<TeamActivitySubscription>> | undefined;
  let stopped = false;
  let resolveDone!: (end: Awaited<ActivityFollow['done']>) => void;
  const done: ActivityFollow['done'] = new Promise((resolve) => (resolveDone = resolve));

  const end = (code: string, message: string) => {
    const reason = { code, message };
    if (code !== 'STOPPED') handlers.onRevoked?.(reason);
    resolveDone(reason);
  };

  void startingPoint().then(
    () => {
      if (stopped) return end('STOPPED', 'Stopped by the application');
      loop = runFeedLoop<TeamActivitySubscription>({
        ws: client.ws,
        document: client.documentPayload(TeamActivityDocument),
        variables: () => ({ teamId, afterSeq: chain.current?.seq ?? startAfter ?? null }),
        afterSubscribe: async () => {
          auditor.retry();
          void askCheckpoint();
        },
        onData: async (data) => {
          const { checkpoint, ...activity } = data.teamActivity;
          if (await deliverActivity(chain, activity, handlers)) {
            auditor.acceptRow(activity);
            waitForCheckpoint(Boolean(checkpoint));
          } else stats.duplicatesDropped += 1;
          // Even on a duplicate: a checkpoint smaller than the kept one is checked too.
          if (checkpoint) auditor.acceptCheckpoint(checkpoint);
        },
        onStatus: handlers.onStatus,
        backoff: options.backoff,
      });
      void loop.done.then((reason) => {
        clearTimeout(checkpointTimer);
        stats.reconnects = loop!.reconnects;
        if (reason.code !== 'STOPPED') handlers.onRevoked?.(reason);
        resolveDone(reason);
      });
    },
    (error: unknown) =>
      end(
        error instanceof TeamgraphError ? error.code : 'CLIENT_ERROR',
        error instanceof Error ? error.message : String(error),
      ),
  );

  return {
    stop() {
      stopped = true;
      clearTimeout(checkpointTimer);
      loop?.stop();
    },
    done,
    position: (id) =>
      id === teamId && chain.current ? { ...chain.current, log: auditor.state } : undefined,
    idle: () => auditor.idle(),
    get stats() {
      return { ...stats, reconnects: loop?.reconnects ?? 0 };
    },
  };
}
