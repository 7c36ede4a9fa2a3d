import { useCallback, useEffect, useState } from 'react';
import { MarkActivityReadDocument, TeamReadStateDocument } from '../../client/generated/graphql';
import { useSession } from './session';

export interface ReadState {
  unreadCount: number;
  lastReadSeq: number;
  refresh(): void;
  markAllRead(upToSeq: number): Promise<void>;
}

/**
 * The unread badge. The server's read position is the truth: it is read again after every
 * new row and whenever my other tabs or devices move it (READ_STATE_CHANGED account events).
 */
export function useReadState(teamId: string, active: boolean): ReadState {
  const { client } = useSession();
  const [state, setState] = useState({ unreadCount: 0, lastReadSeq: 0 });

  const refresh = useCallback(() => {
    client.request(TeamReadStateDocument, { teamId }).then(
      ({ team }) => setState({ unreadCount: team.unreadCount, lastReadSeq: team.lastReadSeq }),
      () => undefined,
    );
  }, [client, teamId]);

  useEffect(() => {
    if (!active) return;
    // Read again after every (re)subscribe too: events sent while the socket was down are lost.
    const follow = client.followAccountEvents({
      onResubscribed: refresh,
      onEvent: (event) => {
        if (event.type === 'READ_STATE_CHANGED' && event.details.teamId === teamId) refresh();
      },
    });
    return () => follow.stop();
  }, [client, teamId, refresh, active]);

  const markAllRead = useCallback(
    async (upToSeq: number) => {
      const { markActivityRead } = await client.request(MarkActivityReadDocument, {
        teamId,
        upToSeq,
      });
      setState({
        unreadCount: markActivityRead.unreadCount,
        lastReadSeq: markActivityRead.lastReadSeq,
      });
    },
    [client, teamId],
  );

  return { ...state, refresh, markAllRead };
}
