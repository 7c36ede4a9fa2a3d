import path from 'node:path';

export const WORKLOAD_NAMES = [
  'http-query',
  'fan-out',
  'redis-fan-out',
  'mutations',
  'feed',
  'backup',
  'reset-timing',
  'event-loop',
  'hostile-documents',
  'merkle',
  'tracing',
  'budgets',
] as const;
export type WorkloadName = (typeof WORKLOAD_NAMES)[number];

/** The parts of the fan-out workload, each with its own database and servers. */
export const FAN_OUT_PARTS = ['one-team', 'many-teams', 'huge-team'] as const;
export type FanOutPart = (typeof FAN_OUT_PARTS)[number];

export interface BenchOptions {
  /** Smaller data and shorter runs (about two minutes in all). */
  quick: boolean;
  /** Start every server process with --cpu-prof; profiles land in `<workDir>/profiles`. */
  profile: boolean;
  /** Run only these workloads (default: all). */
  only: WorkloadName[];
  /** Repository root (where dist/ lives). */
  root: string;
  /** Scratch files: logs, profiles, backup files. Ignored by git. */
  workDir: string;
  /** Size of the backup workload's team data, in MB. */
  backupMb: number;
  /** Which parts of the fan-out workload run (default: all). */
  fanOutParts: FanOutPart[];
}

/** `--quick`, `--profile`, `--only=fan-out,feed`, `--backup-mb=256`, `--fan-out=many-teams`. */
export function parseOptions(argv: string[], root: string): BenchOptions {
  const quick = argv.includes('--quick');
  const value = (name: string) =>
    argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
  const only = (value('only') ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const name of only) {
    if (!(WORKLOAD_NAMES as readonly string[]).includes(name)) {
      throw new Error(`unknown workload "${name}"; one of ${WORKLOAD_NAMES.join(', ')}`);
    }
  }
  const fanOutParts = (value('fan-out') ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const part of fanOutParts) {
    if (!(FAN_OUT_PARTS as readonly string[]).includes(part)) {
      throw new Error(`unknown fan-out part "${part}"; one of ${FAN_OUT_PARTS.join(', ')}`);
    }
  }
  const backupMb = Number(value('backup-mb') ?? (quick ? 8 : 1024));
  if (!Number.isFinite(backupMb) || backupMb < 1)
    throw new Error('--backup-mb must be a positive number');
  return {
    quick,
    profile: argv.includes('--profile'),
    only: (only.length ? only : [...WORKLOAD_NAMES]) as WorkloadName[],
    root,
    workDir: path.join(root, 'bench', '.work'),
    backupMb,
    fanOutParts: (fanOutParts.length ? fanOutParts : [...FAN_OUT_PARTS]) as FanOutPart[],
  };
}
