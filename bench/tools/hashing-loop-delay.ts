/**
 * `node dist/bench/tools/hashing-loop-delay.js [cycles] [windowMs]`: the event-loop delay of
 * one process while argon2id hashes run continuously from two clients (as two hostile clients
 * would send them) — none, on libuv's thread pool (argon2's own async API, as before), in the
 * password pool (src/workers/password-pool.ts, niced, one thread per free core) and in a
 * two-thread password pool. The main thread does 2 ms of JSON work every 10 ms, as requests
 * would. Windows of each kind take turns, so load from elsewhere on the machine falls on all
 * of them alike; prints each kind's p99 per window and hashes per second.
 */
import { randomBytes } from 'node:crypto';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Algorithm, hash } from '@node-rs/argon2';
import { PasswordPool, passwordThreads } from '../../src/workers/password-pool';

const PARAMETERS = { memoryCost: 19456, timeCost: 2, parallelism: 1 };
const CLIENTS = 2;
const cycles = Number(process.argv[2] ?? 10);
const windowMs = Number(process.argv[3] ?? 3000);

const password = () => randomBytes(192).toString('base64').slice(0, 256);
const pool = new PasswordPool(passwordThreads());
const twoThreads = new PasswordPool(2);

const kinds: Record<string, (() => Promise<string>) | null> = {
  none: null,
  libuv: () => hash(password(), { algorithm: Algorithm.Argon2id, ...PARAMETERS }),
  [`pool (${passwordThreads()} thread)`]: () =>
    pool.run('hashPassword', { password: password(), parameters: PARAMETERS }),
  'pool (2 threads)': () =>
    twoThreads.run('hashPassword', { password: password(), parameters: PARAMETERS }),
};

const blob = JSON.stringify(Array.from({ length: 2000 }, (_, i) => ({ i, s: 'x'.repeat(20) })));
const requests = setInterval(() => {
  const start = Date.now();
  while (Date.now() - start < 2) JSON.parse(blob);
}, 10);

async function measureWindow(work: (() => Promise<string>) | null) {
  let stop = false;
  let hashes = 0;
  const clients = work
    ? Array.from({ length: CLIENTS }, async () => {
        while (!stop) {
          await work();
          hashes += 1;
        }
      })
    : [];
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  await new Promise((resolve) => setTimeout(resolve, windowMs));
  delay.disable();
  stop = true;
  await Promise.all(clients);
  return { p99Ms: delay.percentile(99) / 1e6, hashes };
}

async function main(): Promise<void> {
  // Start the pools' threads before measuring.
  const warmUp = { password: password(), parameters: PARAMETERS };
  await Promise.all([pool.run('hashPassword', warmUp), twoThreads.run('hashPassword', warmUp)]);
  const results = new Map<string, { p99Ms: number; hashes: number }[]>();
  for (let cycle = 0; cycle < cycles; cycle += 1) {
    for (const [name, work] of Object.entries(kinds)) {
      const list = results.get(name) ?? [];
      list.push(await measureWindow(work));
      results.set(name, list);
    }
  }
  for (const [name, list] of results) {
    const p99s = list.map((r) => r.p99Ms).sort((a, b) => a - b);
    const hashesPerSecond =
      list.reduce((sum, r) => sum + r.hashes, 0) / ((cycles * windowMs) / 1000);
    console.log(
      `${name.padEnd(18)} loop p99 per window ${p99s.map((p) => p.toFixed(1)).join(' ')} ms; median ${p99s[p99s.length >> 1].toFixed(1)} ms; ${hashesPerSecond.toFixed(1)} hashes/s`,
    );
  }
  clearInterval(requests);
  await Promise.all([pool.close(), twoThreads.close()]);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
