import { postGraphql } from '../../bench/lib/graphql';
import { startApp, type RunningApp } from '../../src/app';
import { loadConfig } from '../../src/config/config';
import { createLogger } from '../../src/logging/logger';
import { createScratchDatabase } from './scratch-database';

export interface GraphqlResponse<T = Record<string, unknown>> {
  status: number;
  data: T | null | undefined;
  errors?: { message: string; path?: string[]; extensions?: Record<string, unknown> }[];
  headers: Headers;
}

/** A GraphQL answer as the suites assert on it: status, data, errors and headers. */
export async function readGraphqlResponse<T>(response: Response): Promise<GraphqlResponse<T>> {
  const body = (await response.json()) as {
    data?: T | null;
    errors?: GraphqlResponse['errors'];
  };
  return {
    status: response.status,
    data: body.data,
    errors: body.errors,
    headers: response.headers,
  };
}

export interface TestApp {
  url: string;
  databaseUrl: string;
  wsUrl: string;
  app: RunningApp;
  /** POSTs a GraphQL operation; `token` becomes the bearer header. */
  gql<T = Record<string, unknown>>(
    query: string,
    variables?: Record<string, unknown>,
    token?: string | null,
  ): Promise<GraphqlResponse<T>>;
  /** Runs SQL against the suite's database (to check rows, not to set up behaviour). */
  sql<T = Record<string, unknown>>(text: string, params?: unknown[]): Promise<T[]>;
  stop(): Promise<void>;
}

/**
 * A real server on a random port, on its own scratch database — or on `shared`'s database, as
 * a second instance of the same deployment (which leaves dropping it to `shared`). Stop it in
 * afterAll.
 */
export async function startTestApp(
  env: Record<string, string> = {},
  shared?: TestApp,
): Promise<TestApp> {
  const database = shared
    ? { url: shared.databaseUrl, drop: async () => undefined }
    : await createScratchDatabase({ migrated: true });
  const config = loadConfig({
    NODE_ENV: 'test',
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    DATABASE_URL: database.url,
    DB_POOL_SIZE: '5',
    // Suites share 127.0.0.1; rate limits get their own suite (rate-limits.test.ts).
    RATE_LIMITS: 'off',
    // Backups get their own suites (test/backup-*.test.ts).
    BACKUP_SCHEDULER: 'off',
    ...env,
  });
  const app = await startApp(config, createLogger(config.LOG_LEVEL));
  const url = app.url;
  return {
    url,
    databaseUrl: database.url,
    wsUrl: url.replace(/^http/, 'ws'),
    app,
    gql: async (query, variables, token) =>
      readGraphqlResponse(await postGraphql(url, query, variables, token)),
    sql: (text, params) => app.services.dataSource.query(text, params),
    async stop() {
      await app.stop();
      await database.drop();
    },
  };
}

/** The first error's extensions.code, for terse assertions. */
export const errorCode = (response: GraphqlResponse): unknown =>
  response.errors?.[0]?.extensions?.code;
