import type { Client } from 'pg';
import { postGraphql } from '../../bench/lib/graphql';
import type { ServerProcess } from './server-process';
import { readGraphqlResponse, type TestApp } from './test-app';

/**
 * What the factories need of an app, for a server running in another process: HTTP GraphQL
 * and SQL on its database. The in-process handle (`app`) and `stop` do not exist there.
 */
export function remoteApp(server: ServerProcess, db: Client): TestApp {
  const remote = {
    url: server.url,
    wsUrl: server.wsUrl,
    gql: async (query: string, variables?: Record<string, unknown>, token?: string | null) =>
      readGraphqlResponse(await postGraphql(server.url, query, variables, token)),
    sql: async (text: string, params?: unknown[]) => (await db.query(text, params)).rows,
  };
  return remote as unknown as TestApp;
}
