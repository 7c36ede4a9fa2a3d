import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';

const root = path.join(__dirname, '..', '..');

/** A teamgraph server in its own process (`src/main.ts`), as production runs it. */
export interface ServerProcess {
  url: string;
  wsUrl: string;
  child: ChildProcess;
  /** Log lines the process wrote (JSON), for diagnosing a failure. */
  logs: string[];
  /** The lines parsed; throws on the first line that is not JSON, naming it. */
  logEntries(): Record<string, unknown>[];
  stop(): Promise<void>;
}

/** Starts `node src/main.ts` with `env` and resolves once it logs that it is listening. */
export async function startServerProcess(env: Record<string, string>): Promise<ServerProcess> {
  const child = spawn(
    process.execPath,
    ['-r', path.join(__dirname, 'swc-register.cjs'), path.join(root, 'src', 'main.ts')],
    {
      cwd: root,
      env: {
        PATH: process.env.PATH ?? '',
        NODE_ENV: 'test',
        PORT: '0',
        HOST: '127.0.0.1',
        LOG_LEVEL: 'info',
        RATE_LIMITS: 'off',
        BACKUP_SCHEDULER: 'off',
        DB_POOL_SIZE: '4',
        // Stopped as soon as the test is done: no load balancer to wait for.
        SHUTDOWN_DRAIN: '0',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const logs: string[] = [];
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`server did not start:\n${logs.join('\n')}`)),
      30_000,
    );
    const read = (stream: NodeJS.ReadableStream) =>
      createInterface({ input: stream }).on('line', (line) => {
        logs.push(line);
        try {
          const entry = JSON.parse(line) as { msg?: string; url?: string };
          if (entry.msg === 'teamgraph listening' && entry.url) {
            clearTimeout(timer);
            resolve(entry.url);
          }
        } catch {
          // not a JSON log line
        }
      });
    read(child.stdout!);
    read(child.stderr!);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}:\n${logs.join('\n')}`));
    });
  });
  return {
    url,
    wsUrl: url.replace(/^http/, 'ws'),
    child,
    logs,
    logEntries: () =>
      logs.map((line) => {
        try {
          return JSON.parse(line) as Record<string, unknown>;
        } catch {
          throw new Error(`not a JSON log line: ${line}`);
        }
      }),
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
