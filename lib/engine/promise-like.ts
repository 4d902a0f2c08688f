export function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return (
    value !== null &&
    (typeof value === 'object' || typeof value === 'function') &&
    typeof (value as PromiseLike<unknown>).then === 'function'
  );
}

const AsyncFunction = (async () => {}).constructor;

export function isAsyncFunction(fn: unknown): boolean {
  return fn instanceof AsyncFunction;
}

/**
 * A promise that rejects on the next microtask, once the caller has had the chance to await
 * it. Rejecting a promise nobody listens to yet costs Node's unhandled-rejection bookkeeping
 * twice (on reject and again on the late handler): most of an open circuit's rejection cost.
 * A promise reaction, not `queueMicrotask`, which Jest's fake timers hold back.
 */
export function rejectSoon(error: unknown): Promise<never> {
  return RESOLVED.then(() => {
    throw error;
  });
}

const RESOLVED = Promise.resolve();
