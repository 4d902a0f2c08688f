/**
 * How late a timer may fire and still be on time: its granularity (delays are whole
 * milliseconds). Until then the event loop was waiting for I/O, and has read what came.
 */
const ON_TIME_MS = 1;

/**
 * Runs the `verdict` of a deadline whose timer, due to fire at `dueAt` (`performance.now()`
 * time), fired now. A timer fires late when the process stalled (a GC pause, a CPU-bound
 * handler, a loaded machine), and in the timers phase of the event loop: before the poll phase
 * reads the answers that came during the stall. Judged at once, such an answer would be taken
 * for none, so the verdict waits for the check phase of this turn (`setImmediate`), after that
 * I/O. One loop turn, not a grace period; one `setImmediate` per late timer, none for one on
 * time (nor under fake timers, which fire on time: a test's clock sees the verdict at the
 * deadline). Returns the `setImmediate` pending, if any.
 */
export function afterPendingIo(
  verdict: () => void,
  dueAt: number,
): ReturnType<typeof setImmediate> | undefined {
  if (performance.now() - dueAt < ON_TIME_MS) {
    verdict();
    return undefined;
  }
  return setImmediate(verdict);
}

/**
 * `verdict` once `ms` have passed, judged after the I/O that came meanwhile (see
 * `afterPendingIo`); the timer keeps no process alive. Returns what cancels it, verdict included.
 */
export function startVerdictTimeout(verdict: () => void, ms: number): () => void {
  const dueAt = performance.now() + Math.max(1, ms); // (a timer fires 1 ms on at the soonest)
  let pending: ReturnType<typeof setImmediate> | undefined;
  const timer = setTimeout(() => (pending = afterPendingIo(verdict, dueAt)), ms);
  (timer as { unref?: () => void }).unref?.();
  return () => {
    clearTimeout(timer);
    if (pending !== undefined) clearImmediate(pending);
  };
}
