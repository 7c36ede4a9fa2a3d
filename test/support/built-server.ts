import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { oncePerRun } from './once-per-run';
import { createScratchDatabase } from './scratch-database';

const ROOT = resolve(__dirname, '..', '..');

/** Compiles the server with the build config into `outDir` (not the shared dist/). */
async function compileServer(outDir: string): Promise<void> {
  try {
    await promisify(execFile)(
      process.execPath,
      [
        require.resolve('typescript/bin/tsc'),
        '-p',
        join(ROOT, 'tsconfig.build.json'),
        '--outDir',
        outDir,
      ],
      { cwd: ROOT },
    );
  } catch (error) {
    // Type errors still emit JavaScript; only a missing entry point is fatal.
    void error;
  }
}

/** The run's one build of the server (a full type-checked build takes long). */
export async function buildServer(): Promise<{ mainJs: string }> {
  const outDir = await oncePerRun('server', compileServer);
  return { mainJs: join(outDir, 'src', 'main.js') };
}

/**
 * The run's build of the server and the suite's own scratch database; registers the jest hooks
 * that get both (in parallel: the build takes a while) and drop the database at the end.
 */
export function useBuiltServer() {
  let build: Awaited<ReturnType<typeof buildServer>> | undefined;
  let database: Awaited<ReturnType<typeof createScratchDatabase>> | undefined;
  beforeAll(async () => {
    [build, database] = await Promise.all([buildServer(), createScratchDatabase()]);
  }, 240_000);
  afterAll(async () => {
    await database?.drop();
  });
  const ready = () => {
    if (!build || !database) throw new Error('the server is not built yet');
    return { build, database };
  };
  return {
    /** The built entry point, for startServerProcess. */
    get mainJs(): string {
      return ready().build.mainJs;
    },
    get databaseUrl(): string {
      return ready().database.url;
    },
  };
}

export interface ServerProcess {
  child: ChildProcess;
  url: string;
  /** Log lines (parsed) written to stdout so far. */
  lines: Record<string, unknown>[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts `node main.js` as its own process and resolves once it logs that it listens. */
export function startServerProcess(
  mainJs: string,
  env: Record<string, string>,
): Promise<ServerProcess> {
  const child = spawn(process.execPath, [mainJs], {
    cwd: ROOT,
    // The build lives outside the repository; its imports resolve from the project's packages.
    env: { PATH: process.env.PATH ?? '', NODE_PATH: join(ROOT, 'node_modules'), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: Record<string, unknown>[] = [];
  let stderr = '';
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) =>
    child.once('exit', (code, signal) => done({ code, signal })),
  );
  return new Promise((resolvePromise, reject) => {
    let buffer = '';
    const timer = setTimeout(() => reject(new Error(`server did not start: ${stderr}`)), 60_000);
    child.stderr!.on('data', (chunk) => (stderr += chunk));
    child.stdout!.on('data', (chunk: Buffer) => {
      buffer += chunk.toString('utf8');
      let newline: number;
      while ((newline = buffer.indexOf('\n')) >= 0) {
        const text = buffer.slice(0, newline);
        buffer = buffer.slice(newline + 1);
        try {
          const line = JSON.parse(text) as Record<string, unknown>;
          lines.push(line);
          if (line.msg === 'teamgraph listening') {
            clearTimeout(timer);
            resolvePromise({ child, url: String(line.url), lines, exited });
          }
        } catch {
          // not a log line
        }
      }
    });
    void exited.then(({ code }) => {
      clearTimeout(timer);
      reject(new Error(`server exited (${code}) before listening: ${stderr}`));
    });
  });
}
