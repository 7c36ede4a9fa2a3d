import type { Client, QueryResultRow } from 'pg';
import { postGraphql } from '../../bench/lib/graphql';
import type { ServerProcess } from './server-process';
import { readGraphqlResponse, type TestApp } from './test-app';

/**
 * What the factories need of an app, for a server running in another process: HTTP GraphQL
 * and SQL on its database. The in-process handle (`app`) and `stop` do not exist there.
 */
/** Where a remote app's SQL goes. */
export interface Queryable {
  query(text: string, params?: unknown[]): Promise<{ rows: QueryResultRow[] }>;
}

/**
 * One client's queries sent one after another: tests ask from several places at once, and pg
 * no longer wants a query handed to a client that is still busy with another.
 */
export function oneQueryAtATime(client: Client): Queryable {
  let last: Promise<unknown> = Promise.resolve();
  return {
    query(text, params) {
      const answer = last.then(() => client.query(text, params));
      last = answer.catch(() => undefined);
      return answer;
    },
  };
}

export function remoteApp(server: ServerProcess, db: Queryable): TestApp {
  const remote = {
    url: server.url,
    wsUrl: server.wsUrl,
    gql: async (query: string, variables?: Record<string, unknown>, token?: string | null) =>
      readGraphqlResponse(await postGraphql(server.url, query, variables, token)),
    sql: async (text: string, params?: unknown[]) => (await db.query(text, params)).rows,
  };
  return remote as unknown as TestApp;
}
