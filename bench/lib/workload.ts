import type { BenchOptions, WorkloadName } from './options';
import type { PostgresServer } from './postgres';
import type { WorkloadResult } from './report';
import type { Scope } from './scope';

export interface WorkloadContext {
  options: BenchOptions;
  postgres: PostgresServer;
  /** Everything started here is stopped when the workload ends, even when it fails. */
  scope: Scope;
  log(message: string): void;
  /** Figures one workload leaves for a later one (e.g. single-instance fan-out for the Redis run). */
  shared: Record<string, unknown>;
}

export type WorkloadOutcome = Omit<WorkloadResult, 'id' | 'name' | 'title' | 'seconds'>;

export interface Workload {
  id: number;
  name: WorkloadName;
  title: string;
  run(ctx: WorkloadContext): Promise<WorkloadOutcome>;
}
