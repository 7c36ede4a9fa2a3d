import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import type { FleetCommand, FleetReply, FleetStats, Subscriber } from '../clients/subscriber-fleet';
import type { BenchOptions } from './options';

export type { FleetStats, Subscriber };

/** The subscriber process, driven one command at a time. */
export class Fleet {
  private constructor(private readonly child: ChildProcess) {}

  static start(options: BenchOptions): Fleet {
    const child = fork(path.join(options.root, 'dist/bench/clients/subscriber-fleet.js'), [], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      execArgv: ['--max-old-space-size=2048'],
    });
    return new Fleet(child);
  }

  private request<K extends FleetReply['type']>(
    command: FleetCommand,
    expect: K,
  ): Promise<Extract<FleetReply, { type: K }>> {
    return new Promise((resolve, reject) => {
      const onExit = (code: number | null) =>
        reject(new Error(`subscriber process exited (${code})`));
      this.child.once('exit', onExit);
      this.child.once('message', (reply: FleetReply) => {
        this.child.off('exit', onExit);
        if (reply.type !== expect)
          reject(new Error(`subscriber process answered ${reply.type}, expected ${expect}`));
        else resolve(reply as Extract<FleetReply, { type: K }>);
      });
      this.child.send(command);
    });
  }

  /** Opens one socket per subscriber (round-robin over `urls`) and subscribes. */
  async connect(
    urls: string[],
    protocol: 'graphql-ws' | 'bare',
    subscribers: Subscriber[],
    query = '',
    concurrency = 100,
  ): Promise<{ connected: number; failed: number; ms: number }> {
    const reply = await this.request(
      { type: 'connect', urls, protocol, subscribers, query, concurrency },
      'connected',
    );
    if (reply.failed) {
      throw new Error(
        `${reply.failed} of ${subscribers.length} subscribers failed to connect: ${reply.firstError}`,
      );
    }
    return reply;
  }

  /** Resolves once `total` events were received since the last reset (false on timeout). */
  async waitFor(total: number, timeoutMs: number): Promise<boolean> {
    return (await this.request({ type: 'await', total, timeoutMs }, 'reached')).ok;
  }

  async reset(): Promise<void> {
    await this.request({ type: 'reset' }, 'done');
  }

  async stats(): Promise<FleetStats> {
    return (await this.request({ type: 'stats' }, 'stats')).stats;
  }

  async closeAll(): Promise<void> {
    await this.request({ type: 'close' }, 'done');
  }

  stop(): void {
    if (this.child.exitCode === null) this.child.kill('SIGTERM');
  }
}
