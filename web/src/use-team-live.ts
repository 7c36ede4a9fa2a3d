import { useEffect, useRef, useState } from 'react';
import type { Activity, ChainTamperReport, FeedEnd } from '../../client/src';
import { useSession } from './session';
import { useLogVerification, type LogVerificationState } from './use-log-verification';

export interface TeamLive {
  /** Live rows since the page opened, newest first. */
  live: Activity[];
  /** Set once the feed ended for good (access revoked, session closed). */
  ended: FeedEnd | null;
  /** A row whose hash does not chain. */
  tampered: ChainTamperReport | null;
  gaps: number;
  /** The Merkle tree's checks: verified up to which row, and what failed. */
  log: LogVerificationState;
}

/**
 * The team's feed through the kit: resumed after reconnects, each row once, hash-checked.
 * `onActivity` runs for every new row (to refresh counts, members or items).
 */
export function useTeamLive(teamId: string, onActivity: (activity: Activity) => void): TeamLive {
  const { client } = useSession();
  const [live, setLive] = useState<Activity[]>([]);
  const [ended, setEnded] = useState<FeedEnd | null>(null);
  const [tampered, setTampered] = useState<ChainTamperReport | null>(null);
  const [log, logHandlers] = useLogVerification();
  const [gaps, setGaps] = useState(0);
  const callback = useRef(onActivity);
  callback.current = onActivity;

  useEffect(() => {
    setLive([]);
    setEnded(null);
    logHandlers.reset();
    const follow = client.followTeamActivity(teamId, {
      onActivity: (activity) => {
        setLive((rows) => [activity, ...rows]);
        callback.current(activity);
      },
      onRevoked: setEnded,
      onTamper: (report) =>
        report.kind === 'chain' ? setTampered(report) : logHandlers.onLogTamper(report),
      onVerified: logHandlers.onVerified,
      onFork: logHandlers.onFork,
      onGap: () => setGaps((n) => n + 1),
    });
    return () => follow.stop();
  }, [client, teamId, logHandlers]);

  return { live, ended, tampered, gaps, log };
}
