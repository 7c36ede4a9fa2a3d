import {
  ConnectionHandler,
  requestSubscription,
  type Disposable,
  type Environment,
} from 'relay-runtime';
import teamActivitySubscription, {
  type teamActivitySubscription as TeamActivitySubscription,
} from './__generated__/teamActivitySubscription.graphql';

export type LiveActivity = TeamActivitySubscription['response']['teamActivity'];

export interface TeamActivityFeedHandlers {
  onActivity?: (activity: LiveActivity) => void;
  /** The feed ended with a refusal (FORBIDDEN, ACCESS_REVOKED) or a lost socket. */
  onError?: (error: Error) => void;
  onCompleted?: () => void;
}

/**
 * Follows `teamActivity` into the store: each row (stored ones after `afterSeq`, then live ones)
 * is normalized by id and prepended (`@prependNode`) to the team's `teamActivity_activity`
 * connection, newest first as the connection pages, so a view of that connection shows it.
 * Relay skips a row the connection already holds. To resume after the feed ends, start a new
 * one with the newest seq the store holds: graphql-ws would re-send the first `afterSeq`.
 */
export function followTeamActivity(
  environment: Environment,
  teamId: string,
  afterSeq: number | null,
  handlers: TeamActivityFeedHandlers = {},
): Disposable {
  const connection = ConnectionHandler.getConnectionID(teamId, 'teamActivity_activity');
  return requestSubscription<TeamActivitySubscription>(environment, {
    subscription: teamActivitySubscription,
    variables: { teamId, afterSeq, connections: [connection] },
    onNext: (response) => {
      if (response) handlers.onActivity?.(response.teamActivity);
    },
    onError: (error) => handlers.onError?.(error),
    onCompleted: () => handlers.onCompleted?.(),
  });
}
