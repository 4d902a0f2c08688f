/**
 * How long a test waits for what must happen. Only a broken behaviour ever reaches it: a correct
 * one gets there as fast as the machine allows, however busy it is.
 */
export const DEADLINE_MS = 20_000;

/**
 * Resolves once `condition` holds, checking every few milliseconds (after `refresh`, when given,
 * which may gather what the condition reads); rejects, naming `what`, after `deadlineMs`.
 */
export async function waitFor(
  condition: () => boolean,
  what: string,
  deadlineMs = DEADLINE_MS,
  refresh?: () => Promise<void>,
): Promise<void> {
  const deadline = performance.now() + deadlineMs;
  for (;;) {
    await refresh?.();
    if (condition()) return;
    if (performance.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** How a call turned out, if it did before anything else could happen: before the next I/O. */
export type AtOnce = { settled: false } | { settled: true; value?: unknown; error?: unknown };

/**
 * Whether `promise` settles before the event loop does anything else (a timer, a reply from a
 * socket): a call that waited on a Redis that hangs or is gone cannot. Speed-independent.
 */
export function settledAtOnce(promise: Promise<unknown>): Promise<AtOnce> {
  return Promise.race([
    promise.then(
      (value): AtOnce => ({ settled: true, value }),
      (error: unknown): AtOnce => ({ settled: true, error }),
    ),
    new Promise<AtOnce>((resolve) => setImmediate(() => resolve({ settled: false }))),
  ]);
}
