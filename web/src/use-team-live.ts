import { useEffect, useRef, useState } from 'react';
import type { Activity, FeedEnd, TamperReport } from '../../client/src';
import { useSession } from './session';

export interface TeamLive {
  /** Live rows since the page opened, newest first. */
  live: Activity[];
  /** Set once the feed ended for good (access revoked, session closed). */
  ended: FeedEnd | null;
  tampered: TamperReport | null;
  gaps: number;
}

/**
 * The team's feed through the kit: resumed after reconnects, each row once, hash-checked.
 * `onActivity` runs for every new row (to refresh counts, members or items).
 */
export function useTeamLive(teamId: string, onActivity: (activity: Activity) => void): TeamLive {
  const { client } = useSession();
  const [live, setLive] = useState<Activity[]>([]);
  const [ended, setEnded] = useState<FeedEnd | null>(null);
  const [tampered, setTampered] = useState<TamperReport | null>(null);
  const [gaps, setGaps] = useState(0);
  const callback = useRef(onActivity);
  callback.current = onActivity;

  useEffect(() => {
    setLive([]);
    setEnded(null);
    const follow = client.followTeamActivity(teamId, {
      onActivity: (activity) => {
        setLive((rows) => [activity, ...rows]);
        callback.current(activity);
      },
      onRevoked: setEnded,
      onTamper: setTampered,
      onGap: () => setGaps((n) => n + 1),
    });
    return () => follow.stop();
  }, [client, teamId]);

  return { live, ended, tampered, gaps };
}
