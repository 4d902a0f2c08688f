/**
 * What became of one call through a circuit, for metrics. `rejected`: the circuit refused it
 * without running the function; `timeout`: a failure by the clock; `fallback`: reported by
 * whoever served a fallback for the call (the decorator does), beside the call's own outcome.
 */
export type CallOutcome = 'success' | 'failure' | 'ignored' | 'timeout' | 'rejected' | 'fallback';

/**
 * Sees each call of a circuit once its outcome is known. `durationMs` is how long the function
 * ran, and `weight` how many calls that duration stands for: 1 when every call is timed; n when,
 * on a busy circuit where no rule needs every duration, about one call in n is timed (see
 * `LatencyHistogram`); 0 when this call was not timed (and for `rejected` and `fallback`, which
 * did not run), `durationMs` then being 0. It must not throw; if it does, the error is reported
 * and the call goes on unchanged.
 */
export type CallObserver = (outcome: CallOutcome, durationMs: number, weight: number) => void;
