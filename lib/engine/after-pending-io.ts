/**
 * Runs `verdict` later in this turn of the event loop, after its poll phase has read the I/O
 * that is waiting (in the check phase: `setImmediate`). For a deadline's timer: a stall of the
 * process (a GC pause, a CPU-bound handler, a loaded machine) past the deadline wakes the loop
 * into its timers phase first, before an answer that arrived during the stall, still unread in
 * its socket, is read. Judged at once, that answer would be taken for none. One loop turn, not a
 * grace period: an answer not there by then is late. Costs one `setImmediate` per timer fired.
 */
export function afterPendingIo(verdict: () => void): ReturnType<typeof setImmediate> {
  return setImmediate(verdict);
}

/**
 * `verdict` once `ms` have passed, judged after the I/O of the turn its timer fires in (see
 * `afterPendingIo`); the timer keeps no process alive. Returns what cancels it, verdict included.
 */
export function startVerdictTimeout(verdict: () => void, ms: number): () => void {
  let pending: ReturnType<typeof setImmediate> | undefined;
  const timer = setTimeout(() => (pending = afterPendingIo(verdict)), ms);
  (timer as { unref?: () => void }).unref?.();
  return () => {
    clearTimeout(timer);
    if (pending !== undefined) clearImmediate(pending);
  };
}
