/**
 * `value` as a native promise when it is a thenable, or `undefined` when it is not. A native
 * promise is used as it is; any other thenable is adopted by `Promise.resolve`, which calls its
 * `then` once, rejects when `then` throws, and ignores its callbacks after the first: a thenable
 * that misbehaves still settles exactly once. Throws when `value`'s `then` cannot be read.
 */
export function asPromise(value: unknown): Promise<unknown> | undefined {
  if (value === null || (typeof value !== 'object' && typeof value !== 'function'))
    return undefined;
  if (typeof (value as PromiseLike<unknown>).then !== 'function') return undefined;
  return Object.getPrototypeOf(value) === Promise.prototype
    ? (value as Promise<unknown>)
    : Promise.resolve(value);
}

export function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return (
    value !== null &&
    (typeof value === 'object' || typeof value === 'function') &&
    typeof (value as PromiseLike<unknown>).then === 'function'
  );
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
