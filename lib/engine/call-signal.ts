// How the call's AbortSignal reaches a function run through a circuit and its policies.

/** No argument of a wrapped function receives the call's signal. */
export const NO_SIGNAL = -1;

/**
 * The signal a wrapped function receives: the circuit's own, or, when the caller passed a
 * signal of its own in that place, one that aborts when either does.
 */
export function followed(given: unknown, own: AbortSignal): AbortSignal {
  return given instanceof AbortSignal ? AbortSignal.any([given, own]) : own;
}

/** `fn` given the caller's signal, beside the circuit's own when there is one. */
export function givenSignal<T>(
  fn: (signal: AbortSignal | undefined) => T,
  given: AbortSignal,
): (signal: AbortSignal | undefined) => T {
  return (own) => fn(own === undefined ? given : AbortSignal.any([own, given]));
}
