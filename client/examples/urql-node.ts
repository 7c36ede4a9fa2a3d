/**
 * urql (@urql/core) against teamgraph. Its default `preferGetMethod` sends queries as GET with
 * no content-type, which the CSRF guard refuses (HTTP 400). Either fix works:
 *   - `preferGetMethod: false`: every operation is a JSON POST;
 *   - keep GET and send a header the guard accepts: `apollo-require-preflight: true`
 *     (or `content-type: application/json`).
 */
import { cacheExchange, createClient, fetchExchange, type Client } from '@urql/core';
import { TeamPageDocument } from '../generated/graphql';

export type UrqlSetup = 'defaults' | 'post' | 'get-with-preflight';

export function urqlClient(url: string, token: string, setup: UrqlSetup): Client {
  const headers: Record<string, string> = { authorization: `Bearer ${token}` };
  if (setup === 'get-with-preflight') headers['apollo-require-preflight'] = 'true';
  return createClient({
    url,
    exchanges: [cacheExchange, fetchExchange],
    fetchOptions: () => ({ headers }),
    ...(setup === 'post' ? { preferGetMethod: false } : {}),
  });
}

/** The team's name, or the error urql reports (a network error carrying the HTTP 400). */
export async function teamNameWithUrql(
  url: string,
  token: string,
  teamId: string,
  setup: UrqlSetup,
): Promise<{ name?: string; status?: number; message?: string }> {
  const result = await urqlClient(url, token, setup)
    .query(TeamPageDocument.toString(), { teamId })
    .toPromise();
  if (result.error)
    return {
      status: (result.error.response as Response | undefined)?.status,
      message: result.error.message,
    };
  return { name: (result.data as { team: { name: string } }).team.name };
}
