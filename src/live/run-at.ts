/** setTimeout's longest delay; later times are reached in several steps. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Runs `action` at `when` (at once if that has passed); returns the cancel function. */
export function runAt(when: Date, action: () => void): () => void {
  let timer: NodeJS.Timeout | undefined;
  const arm = () => {
    const left = when.getTime() - Date.now();
    if (left <= 0) {
      action();
      return;
    }
    timer = setTimeout(arm, Math.min(left, MAX_TIMER_MS));
    timer.unref();
  };
  arm();
  return () => clearTimeout(timer);
}
