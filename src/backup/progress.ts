/** Progress of one table being copied: rows and bytes of COPY text so far. */
export interface TableMeter {
  advance(rows: number, bytes: number): void;
  done(rows: number, bytes: number): void;
}

/** Receives per-table progress from backup, restore and verify (the CLI draws it). */
export interface TableProgress {
  /** `expectedRows`: exact on restore (the manifest), the planner's estimate on backup. */
  start(table: string, expectedRows: number): TableMeter;
}

/**
 * Meters for the parts of one table, shown as one table: the table's line starts with its first
 * part and finishes with its last, rows and bytes summed over the parts.
 */
export function partMeters(
  progress: TableProgress | undefined,
  table: string,
  expectedRows: number,
  parts: number,
): (index: number) => TableMeter | undefined {
  if (!progress) return () => undefined;
  let meter: TableMeter | undefined;
  const rows = new Array<number>(parts).fill(0);
  const bytes = new Array<number>(parts).fill(0);
  let finished = 0;
  const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);
  return (index) => {
    meter ??= progress.start(table, expectedRows);
    const shared = meter;
    return {
      advance(r, b) {
        rows[index] = r;
        bytes[index] = b;
        shared.advance(sum(rows), sum(bytes));
      },
      done(r, b) {
        rows[index] = r;
        bytes[index] = b;
        if (++finished === parts) shared.done(sum(rows), sum(bytes));
        else shared.advance(sum(rows), sum(bytes));
      },
    };
  };
}
