import { useCallback, useEffect, useState } from 'react';
import { TeamgraphError, type TypedOperation } from '../../client/src';
import { useSession } from './session';

export interface RequestState<T> {
  data: T | undefined;
  error: TeamgraphError | undefined;
  loading: boolean;
  reload(): void;
}

/** Runs a query when its variables change (compared as JSON) and on reload(). */
export function useRequest<TResult, TVariables>(
  operation: TypedOperation<TResult, TVariables>,
  variables: TVariables,
  skip = false,
): RequestState<TResult> {
  const { client } = useSession();
  const [state, setState] = useState<{ data?: TResult; error?: TeamgraphError; loading: boolean }>({
    loading: !skip,
  });
  const [round, setRound] = useState(0);
  const key = JSON.stringify(variables);
  useEffect(() => {
    if (skip) return;
    let current = true;
    setState((s) => ({ ...s, loading: true }));
    const run = client.request as (op: unknown, vars: unknown) => Promise<TResult>;
    run(operation, JSON.parse(key)).then(
      (data) => current && setState({ data, error: undefined, loading: false }),
      // The last good answer stays, so a page can still show it next to the error.
      (error: unknown) =>
        current &&
        setState((s) => ({ data: s.data, error: asTeamgraphError(error), loading: false })),
    );
    return () => {
      current = false;
    };
  }, [client, operation, key, round, skip]);
  const reload = useCallback(() => setRound((r) => r + 1), []);
  return { data: state.data, error: state.error, loading: state.loading, reload };
}

export function asTeamgraphError(error: unknown): TeamgraphError {
  if (error instanceof TeamgraphError) return error;
  return new TeamgraphError([
    {
      message: error instanceof Error ? error.message : String(error),
      extensions: { code: 'NETWORK' },
    },
  ]);
}
