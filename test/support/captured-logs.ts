import { postGraphql } from '../../bench/lib/graphql';
import { startApp, type RunningApp } from '../../src/app';
import { loadConfig } from '../../src/config/config';
import { createLogger } from '../../src/logging/logger';
import { createScratchDatabase } from './scratch-database';

export interface LoggedApp {
  url: string;
  app: RunningApp;
  /** Every line the server logged so far, raw (as it would reach stdout). */
  raw: string[];
  /** The same lines parsed. */
  lines(): Record<string, unknown>[];
  post(
    query: string,
    variables?: Record<string, unknown>,
    token?: string | null,
    headers?: Record<string, string>,
  ): Promise<{
    status: number;
    body: { data?: Record<string, unknown> | null; errors?: { extensions?: { code?: string } }[] };
    headers: Headers;
  }>;
  stop(): Promise<void>;
}

/** A real server whose JSON log lines are captured (at info level) instead of written to stdout. */
export async function startLoggedApp(env: Record<string, string> = {}): Promise<LoggedApp> {
  const database = await createScratchDatabase();
  const config = loadConfig({
    NODE_ENV: 'test',
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'info',
    DATABASE_URL: database.url,
    DB_POOL_SIZE: '5',
    RATE_LIMITS: 'off',
    ...env,
  });
  const raw: string[] = [];
  const logger = createLogger(
    config.LOG_LEVEL,
    {},
    { write: (line: string) => void raw.push(line) },
  );
  const app = await startApp(config, logger);
  return {
    url: app.url,
    app,
    raw,
    lines: () =>
      raw.flatMap((chunk) =>
        chunk
          .split('\n')
          .filter(Boolean)
          .map((l) => JSON.parse(l)),
      ),
    async post(query, variables, token, headers = {}) {
      const response = await postGraphql(app.url, query, variables, token, headers);
      return {
        status: response.status,
        body: (await response.json()) as never,
        headers: response.headers,
      };
    },
    async stop() {
      await app.stop();
      await database.drop();
    },
  };
}
