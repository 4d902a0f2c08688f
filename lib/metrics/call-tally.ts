import type { CallOutcome } from '../engine/call-observer.js';
import type { CircuitState } from '../engine/circuit-state.js';

/**
 * What became of a call: each call has exactly one, so that they partition the calls and a
 * share of them (the rejections in an alert) is a share of the calls. A fallback is not among
 * them: it answers a call already counted as failed, timed out or rejected, and is counted on
 * its own (`CallTally.fallbacks`).
 */
export const CALL_OUTCOMES = [
  'success',
  'failure',
  'ignored',
  'timeout',
  'rejected',
] as const satisfies readonly CallOutcome[];
type CountedOutcome = (typeof CALL_OUTCOMES)[number];

/** The outcomes of calls that ran, which have a duration: `rejected` and `fallback` have none. */
export const TIMED_OUTCOMES = ['success', 'failure', 'ignored', 'timeout'] as const;
type TimedOutcome = (typeof TIMED_OUTCOMES)[number];

/** How the calls of one outcome that ran were spread over the histogram's buckets. */
export interface DurationTally {
  /** Per bucket upper bound (same order as the buckets), calls that took no longer; not cumulative. */
  readonly perBucket: number[];
  sumSeconds: number;
  count: number;
}

/**
 * One circuit's calls and state changes, counted in plain numbers as they happen. prom-client's
 * own `inc()` and `observe()` cost about half a microsecond each (they hash the labels on every
 * call), more than the breaker itself; the metrics read these tallies when scraped instead.
 */
export class CallTally {
  readonly calls: Record<CountedOutcome, number> = {
    success: 0,
    failure: 0,
    ignored: 0,
    timeout: 0,
    rejected: 0,
  };
  /** Calls a fallback answered, each counted in `calls` too, by its own outcome. */
  fallbacks = 0;
  /** By outcome, when built with buckets (OpenTelemetry has its own histogram record them). */
  readonly durations: Partial<Record<TimedOutcome, DurationTally>> = {};
  /** State changes by `from` and `to`, in the order they first happened. */
  readonly transitions = new Map<string, { from: CircuitState; to: CircuitState; count: number }>();

  constructor(private readonly buckets?: readonly number[]) {
    if (buckets === undefined) return;
    for (const outcome of TIMED_OUTCOMES) {
      this.durations[outcome] = {
        perBucket: buckets.map(() => 0),
        sumSeconds: 0,
        count: 0,
      };
    }
  }

  /** A `CallObserver`: every call counts; a timed one's duration counts `weight` times. */
  readonly record = (outcome: CallOutcome, durationMs: number, weight: number): void => {
    if (outcome === 'fallback') return void this.fallbacks++;
    this.calls[outcome]++;
    const duration = this.durations[outcome as TimedOutcome];
    if (duration === undefined || weight === 0) return;
    const seconds = durationMs / 1000;
    duration.count += weight;
    duration.sumSeconds += seconds * weight;
    const buckets = this.buckets!;
    for (let i = 0; i < buckets.length; i++) {
      if (seconds <= buckets[i]!) {
        duration.perBucket[i]! += weight;
        return;
      }
    }
    // Longer than the last bucket: only `count` has it (the +Inf bucket is read from there).
  };

  transition(from: CircuitState, to: CircuitState): void {
    const key = `${from}>${to}`;
    const known = this.transitions.get(key);
    if (known === undefined) this.transitions.set(key, { from, to, count: 1 });
    else known.count++;
  }
}
