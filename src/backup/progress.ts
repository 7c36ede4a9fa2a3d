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
