/**
 * `value` as a native promise when it is a thenable, or `undefined` when it is not. A native
 * promise is used as it is; any other thenable is adopted as `Promise.resolve` adopts it: its
 * `then` called once, a rejection when `then` throws, its callbacks ignored after the first (a
 * thenable that misbehaves still settles exactly once). `then` is read once, and the function
 * read is the one called: a getter that answers otherwise on a second read changes nothing.
 * Throws when `value`'s `then` cannot be read.
 */
export function asPromise(value: unknown): Promise<unknown> | undefined {
  if (value === null || (typeof value !== 'object' && typeof value !== 'function'))
    return undefined;
  const then: unknown = (value as PromiseLike<unknown>).then;
  if (typeof then !== 'function') return undefined;
  if (then === nativeThen && Object.getPrototypeOf(value) === Promise.prototype) {
    return value as Promise<unknown>;
  }
  // `Promise.resolve(value)` would read `then` again: it adopts a stand-in holding the one read.
  return Promise.resolve<unknown>({
    then: (resolve: (value: unknown) => void, reject: (error: unknown) => void) =>
      Reflect.apply(then, value, [resolve, reject]) as unknown,
  });
}

const nativeThen: unknown = Promise.prototype.then;

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
