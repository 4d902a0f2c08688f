import type { CircuitState } from './circuit-state.js';
import type { LatencySummary } from './latency-histogram.js';

/**
 * A snapshot of one circuit: plain JSON. Counters are cumulative since the circuit was built
 * or last `reset()`; `window*` and the rates cover the rolling window, which is kept only when a
 * rate rule (`failureRateThreshold`, `slowCallRateThreshold`) is on, and are 0 otherwise.
 * `totalCalls` = `successes` + `failures` + `ignored` + `rejections` + `inFlight`.
 */
export interface CircuitStats {
  name: string;
  state: CircuitState;
  consecutiveFailures: number;
  totalCalls: number;
  successes: number;
  /** Counted failures, timeouts included. */
  failures: number;
  /** Calls refused without running the function. */
  rejections: number;
  timeouts: number;
  /** Calls, successful or not, that took at least `slowCallDurationMs`. */
  slowCalls: number;
  /** Errors that `isFailure` said not to count. */
  ignored: number;
  /** Calls started and not yet settled. */
  inFlight: number;
  windowCalls: number;
  windowFailures: number;
  windowSlowCalls: number;
  /** windowFailures / windowCalls, or 0 for an empty window. */
  failureRate: number;
  /** windowSlowCalls / windowCalls, or 0 for an empty window. */
  slowCallRate: number;
  /** ISO time of the last counted failure, or null. */
  lastFailureAt: string | null;
  lastStateChangeAt: string;
  /** ISO time the open circuit lets a probe through, or null unless open. */
  openUntil: string | null;
  /** Milliseconds until then: 0 unless open. */
  retryAfterMs: number;
  /** While open, how long this open period lasts; null otherwise. */
  openDurationMs: number | null;
  /** How long the circuit would stay open if it opened now, given its backoff (before jitter). */
  nextOpenDurationMs: number;
  /**
   * Durations of the calls that ran over the window (a call leaves it between 2/3 and 1 window
   * after it settled), when calls are timed (`trackLatency`, a slow-call rule, metrics); null
   * otherwise, or when none ran.
   */
  latency: LatencySummary | null;
  /** Whether it opened more than `flapThreshold` times within `flapWindowMs`. */
  flapping: boolean;
  /** The timeout a call starting now gets (an adaptive one as it stands), or null without `timeoutMs`. */
  timeoutMs: number | null;
  /** With `maxConcurrent`: calls running, waiting, and refused (full, or waited too long); else null. */
  bulkhead: { active: number; queued: number; rejected: number } | null;
  /**
   * With `retry`, else null: `retries` that ran (their function was called), `refused`: retries
   * the circuit (open) or the bulkhead (full, or waited too long) refused once their delay was
   * over, and `budgetExhausted`: retries the budget did not allow. A retry whose delay or wait
   * the caller's signal or `deadlineMs` ended is in none of them.
   */
  retry: { retries: number; refused: number; budgetExhausted: number } | null;
}
