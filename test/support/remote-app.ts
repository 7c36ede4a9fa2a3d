import type { Client } from 'pg';
import type { ServerProcess } from './server-process';
import type { GraphqlResponse, TestApp } from './test-app';

/**
 * What the factories need of an app, for a server running in another process: HTTP GraphQL
 * and SQL on its database. The in-process handle (`app`) and `stop` do not exist there.
 */
export function remoteApp(server: ServerProcess, db: Client): TestApp {
  const remote = {
    url: server.url,
    wsUrl: server.wsUrl,
    async gql(query: string, variables?: Record<string, unknown>, token?: string | null) {
      const response = await fetch(server.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        },
        body: JSON.stringify({ query, variables }),
      });
      const body = (await response.json()) as Omit<GraphqlResponse, 'status' | 'headers'>;
      return { status: response.status, headers: response.headers, ...body };
    },
    sql: async (text: string, params?: unknown[]) => (await db.query(text, params)).rows,
  };
  return remote as unknown as TestApp;
}
