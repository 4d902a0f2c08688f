// How the call's AbortSignal reaches a function run through a circuit and its policies, and how
// a call listens to a signal it did not create (the caller's) without keeping anything on it.

/** No argument of a wrapped function receives the call's signal. */
export const NO_SIGNAL = -1;

/** Ends what `whenAborted` started: called when the call settles, at most once. */
export type Unfollow = () => void;

const NOTHING_TO_UNDO: Unfollow = () => {};

/**
 * The calls listening to each signal. A signal gets one listener of ours however many calls
 * follow it (many calls sharing an app's signal would otherwise pass EventTarget's limit of 10
 * and warn), and loses it when the last call following it settles. `AbortSignal.any` is not
 * used against a signal we did not create: Node keeps the composite, and what listens to it,
 * as long as its sources live.
 */
const followers = new WeakMap<AbortSignal, Set<(reason: unknown) => void>>();

/**
 * Calls `react` with `signal`'s reason if it aborts before the returned function is called.
 * The caller must call that function when its call settles (it is cheap and idempotent).
 */
export function whenAborted(signal: AbortSignal, react: (reason: unknown) => void): Unfollow {
  if (signal.aborted) {
    react(signal.reason);
    return NOTHING_TO_UNDO;
  }
  let reactions = followers.get(signal);
  if (reactions === undefined) {
    followers.set(signal, (reactions = new Set()));
    signal.addEventListener('abort', abortFollowers, { once: true });
  }
  reactions.add(react);
  const following = reactions;
  return () => {
    if (!following.delete(react) || following.size > 0) return;
    followers.delete(signal);
    signal.removeEventListener('abort', abortFollowers);
  };
}

function abortFollowers(this: AbortSignal): void {
  const reactions = followers.get(this);
  if (reactions === undefined) return;
  followers.delete(this);
  for (const react of reactions) react(this.reason);
}

/** Makes `controller` abort, with `given`'s reason, when `given` does, until unfollowed. */
export function follow(controller: AbortController, given: AbortSignal): Unfollow {
  return whenAborted(given, (reason) => controller.abort(reason));
}

/**
 * `fn` as a function that takes the call's signal as its first argument: itself when it
 * declares a parameter, else a wrapper that passes it nothing (as `execute` documents). The
 * signal is then the call's to follow and to judge an abort by, whether `fn` reads it or not.
 */
export function withSignalParameter<T>(
  fn: (signal: AbortSignal | undefined) => T,
): (signal: AbortSignal | undefined) => T {
  return fn.length > 0 ? fn : () => fn(undefined);
}

/**
 * The signal in `args` at `signalAt`, if one is there. The engine reads it when a call has failed
 * (nothing is read on success): the caller's, or, once a timed call has put its own there, the
 * call's, which follows it.
 */
export function signalIn(args: unknown[] | undefined, signalAt: number): AbortSignal | undefined {
  const given = args === undefined || signalAt === NO_SIGNAL ? undefined : args[signalAt];
  return given instanceof AbortSignal ? given : undefined;
}
