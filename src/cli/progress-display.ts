import type { TableMeter, TableProgress } from '../backup/progress';

export interface ProgressTerminal {
  write(text: string): void;
  isTTY?: boolean;
}

const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;

interface Active {
  table: string;
  expectedRows: number;
  rows: number;
  bytes: number;
  started: number;
}

function describe(entry: Active, now: number): string {
  const seconds = Math.max((now - entry.started) / 1000, 0.001);
  const rate = entry.bytes / seconds;
  const fraction = entry.expectedRows > 0 ? Math.min(entry.rows / entry.expectedRows, 1) : 0;
  const eta =
    fraction > 0 && fraction < 1 ? `ETA ${Math.ceil((seconds / fraction) * (1 - fraction))} s` : '';
  return [
    entry.table,
    `${Math.round(fraction * 100)}%`,
    `${entry.rows}/${entry.expectedRows} rows`,
    mib(entry.bytes),
    `${mib(rate)}/s`,
    eta,
  ]
    .filter(Boolean)
    .join(' ');
}

/**
 * Per-table progress for `backup run|restore|verify`, on stderr so stdout stays parseable. On a
 * terminal one status line is redrawn (rows, bytes, %, rate, ETA for every table in flight) and
 * each finished table leaves a line; elsewhere only the line per finished table is printed.
 */
export function progressDisplay(
  terminal: ProgressTerminal,
  clock: () => number = Date.now,
): TableProgress {
  const active = new Map<string, Active>();
  let lastDraw = 0;
  const draw = (force: boolean) => {
    if (!terminal.isTTY) return;
    const now = clock();
    if (!force && now - lastDraw < 100) return;
    lastDraw = now;
    const line = [...active.values()].map((entry) => describe(entry, now)).join(' | ');
    terminal.write(`\r\x1b[K${line}`);
  };
  return {
    start(table, expectedRows): TableMeter {
      const entry: Active = { table, expectedRows, rows: 0, bytes: 0, started: clock() };
      active.set(table, entry);
      draw(true);
      return {
        advance(rows, bytes) {
          entry.rows = rows;
          entry.bytes = bytes;
          draw(false);
        },
        done(rows, bytes) {
          active.delete(table);
          const seconds = Math.max((clock() - entry.started) / 1000, 0.001);
          const line = `${table}: ${rows} rows, ${mib(bytes)} in ${seconds.toFixed(1)} s (${mib(bytes / seconds)}/s)`;
          terminal.write(terminal.isTTY ? `\r\x1b[K${line}\n` : `${line}\n`);
          draw(true);
        },
      };
    },
  };
}
