import { execFile, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
// Everything the server exports at /metrics registers itself when its module loads.
import '../src/app';
import '../src/backup/backup-metrics';
import { metricsRegistry } from '../src/metrics/registry';

/**
 * The shipped Prometheus rules (ops/prometheus/alerts.yml): valid, their unit tests
 * (alerts.test.yml) pass, they name only metrics the server exports, and docs/operations.md documents
 * every alert.
 */
const DIR = path.join(__dirname, '..', 'ops', 'prometheus');
const rules = readFileSync(path.join(DIR, 'alerts.yml'), 'utf8');
const run = promisify(execFile);

const promtool = spawnSync('promtool', ['--version'], { stdio: 'ignore' }).status === 0;
const withPromtool = promtool ? describe : describe.skip;
if (!promtool)
  console.log('alert-rules: promtool SKIPPED — not installed (Debian: apt-get install prometheus)');

withPromtool('promtool', () => {
  it('checks the rules', async () => {
    const { stdout } = await run('promtool', ['check', 'rules', 'alerts.yml'], { cwd: DIR });
    expect(stdout).toContain('SUCCESS');
  });

  it('passes the rules’ unit tests', async () => {
    const { stdout } = await run('promtool', ['test', 'rules', 'alerts.test.yml'], { cwd: DIR });
    expect(stdout).toContain('SUCCESS');
  });
});

it('uses only metric names the server exports', async () => {
  const exported = new Set((await metricsRegistry.getMetricsAsJSON()).map((m) => m.name));
  const used = new Set(
    [...rules.matchAll(/\bteamgraph_[a-z_]+/g)].map((m) =>
      m[0].replace(/_(count|sum|bucket)$/, ''),
    ),
  );
  expect(used.size).toBeGreaterThan(5);
  expect([...used].filter((name) => !exported.has(name))).toEqual([]);
});

it('documents every alert in the operations guide', () => {
  const readme = readFileSync(path.join(__dirname, '..', 'docs', 'operations.md'), 'utf8');
  const alerts = [...rules.matchAll(/- alert: (\w+)/g)].map((m) => m[1]);
  expect(alerts.length).toBeGreaterThan(5);
  expect(alerts.filter((name) => !readme.includes(`\`${name}\``))).toEqual([]);
});
