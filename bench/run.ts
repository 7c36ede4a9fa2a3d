/**
 * `npm run bench [-- --quick] [-- --only=fan-out,feed] [-- --profile]`: runs the workloads of
 * the benchmark suite against the built server, each next to its baseline, and writes
 * bench/results.json and bench/RESULTS.md.
 */
import path from 'node:path';
import { parseOptions } from './lib/options';
import { findPostgres } from './lib/postgres';
import {
  machineInfo,
  renderTable,
  writeReport,
  type RunReport,
  type WorkloadResult,
} from './lib/report';
import { Scope } from './lib/scope';
import type { Workload } from './lib/workload';
import { backupRestore } from './workloads/backup-restore';
import { eventLoop } from './workloads/event-loop';
import { fanOut } from './workloads/fan-out';
import { feedAtScale } from './workloads/feed-at-scale';
import { hostileDocuments } from './workloads/hostile-documents';
import { httpQuery } from './workloads/http-query';
import { merkleTree } from './workloads/merkle-tree';
import { mutationThroughput } from './workloads/mutation-throughput';
import { redisFanOut } from './workloads/redis-fan-out';
import { resetTiming } from './workloads/reset-timing';
import { tracingCost } from './workloads/tracing-cost';
import { budgetCost } from './workloads/budget-cost';

const workloads: Workload[] = [
  httpQuery,
  fanOut,
  redisFanOut,
  mutationThroughput,
  feedAtScale,
  backupRestore,
  resetTiming,
  eventLoop,
  hostileDocuments,
  merkleTree,
  tracingCost,
  budgetCost,
];

async function main(): Promise<void> {
  const root = path.resolve(__dirname, '..', '..');
  const options = parseOptions(process.argv.slice(2), root);
  const started = Date.now();
  const postgres = await findPostgres();
  const version = await (async () => {
    const { Client } = await import('pg');
    const client = new Client({ connectionString: postgres.adminUrl });
    await client.connect();
    const { rows } = await client.query<{ v: string }>(
      `SELECT current_setting('server_version') AS v`,
    );
    await client.end();
    return `PostgreSQL ${rows[0].v} (${postgres.source})`;
  })();
  console.log(`teamgraph benchmarks (${options.quick ? 'quick' : 'full'}) on ${version}`);

  const results: WorkloadResult[] = [];
  const shared: Record<string, unknown> = {};
  for (const workload of workloads.filter((w) => options.only.includes(w.name as never))) {
    const scope = new Scope();
    const workloadStart = Date.now();
    console.log(`\n[${workload.id}] ${workload.title}`);
    let result: WorkloadResult;
    try {
      const outcome = await workload.run({
        options,
        postgres,
        scope,
        log: (m) => console.log(m),
        shared,
      });
      result = {
        id: workload.id,
        name: workload.name,
        title: workload.title,
        ...outcome,
        seconds: 0,
      };
    } catch (error) {
      console.error((error as Error).stack ?? error);
      result = {
        id: workload.id,
        name: workload.name,
        title: workload.title,
        rows: [],
        metrics: {},
        notes: [],
        skipped: `failed: ${(error as Error).message.split('\n')[0].slice(0, 200)}`,
        seconds: 0,
      };
    } finally {
      await scope.close();
    }
    result.seconds = Math.round((Date.now() - workloadStart) / 1000);
    console.log(`  (${result.seconds} s)`);
    results.push(result);
  }
  await postgres.stop();

  const report: RunReport = {
    date: new Date().toISOString(),
    mode: options.quick ? 'quick' : 'full',
    machine: machineInfo(version),
    totalSeconds: (Date.now() - started) / 1000,
    workloads: results,
  };
  const outDir = await writeReport(options, report);
  const where = path.relative(root, outDir);
  console.log(`\n${renderTable(report)}\n\nwritten: ${where}/RESULTS.md, ${where}/results.json`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
