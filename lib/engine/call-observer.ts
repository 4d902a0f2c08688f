/**
 * What became of one call through a circuit, for metrics. `rejected`: the circuit refused it
 * without running the function; `timeout`: a failure by the clock; `fallback`: reported by
 * whoever served a fallback for the call (the decorator does), beside the call's own outcome.
 */
export type CallOutcome = 'success' | 'failure' | 'ignored' | 'timeout' | 'rejected' | 'fallback';

/**
 * Sees each call of a circuit once its outcome is known. `durationMs` is how long the
 * function ran (0 for `rejected` and `fallback`). It must not throw; if it does, the error is
 * reported and the call goes on unchanged.
 */
export type CallObserver = (outcome: CallOutcome, durationMs: number) => void;
