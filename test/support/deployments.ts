import { servedMetric } from './served-metrics';
import { startTestApp, type TestApp } from './test-app';
import { TwoInstances } from './two-instances';

/**
 * Where the two sides of a race are sent: one instance twice, or two instances (processes)
 * sharing one database.
 */
export interface Deployment {
  first: TestApp;
  second: TestApp;
  databaseUrl: string;
  stop(): Promise<void>;
}

export const DEPLOYMENTS: Record<string, () => Promise<Deployment>> = {
  'one instance': async () => {
    const app = await startTestApp();
    return { first: app, second: app, databaseUrl: app.databaseUrl, stop: () => app.stop() };
  },
  'two instances sharing the database': async () => {
    const two = await TwoInstances.start({});
    return { first: two.a, second: two.b, databaseUrl: two.databaseUrl, stop: () => two.stop() };
  },
};

/** Deadlocks PostgreSQL broke on the deployment's instances (each retried, and counted). */
export async function deadlocksOn({ first, second }: Deployment): Promise<number> {
  const servers = first === second ? [first] : [first, second];
  const counts = await Promise.all(
    servers.map((server) => servedMetric(server, 'teamgraph_db_deadlocks_total')),
  );
  return counts.reduce((a, b) => a + b, 0);
}
