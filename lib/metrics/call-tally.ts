import type { CallOutcome } from '../engine/call-observer.js';

export const CALL_OUTCOMES: readonly CallOutcome[] = [
  'success',
  'failure',
  'ignored',
  'timeout',
  'rejected',
  'fallback',
];

/** How the calls of one outcome that ran were spread over the histogram's buckets. */
export interface DurationTally {
  /** Per bucket upper bound (same order as the buckets), calls that took no longer; not cumulative. */
  readonly perBucket: number[];
  /** Calls longer than the last bucket. */
  overflow: number;
  sumSeconds: number;
  count: number;
}

/**
 * One circuit's calls, counted in plain numbers as they happen. prom-client's own `inc()` and
 * `observe()` cost about half a microsecond each (they hash the labels on every call), more than
 * the breaker itself; the metrics read these tallies when scraped instead.
 */
export class CallTally {
  readonly calls: Record<CallOutcome, number> = {
    success: 0,
    failure: 0,
    ignored: 0,
    timeout: 0,
    rejected: 0,
    fallback: 0,
  };
  /** For the outcomes of calls that ran: `rejected` and `fallback` have no duration. */
  readonly durations: Partial<Record<CallOutcome, DurationTally>> = {};

  constructor(private readonly buckets: readonly number[]) {
    for (const outcome of ['success', 'failure', 'ignored', 'timeout'] as const) {
      this.durations[outcome] = {
        perBucket: buckets.map(() => 0),
        overflow: 0,
        sumSeconds: 0,
        count: 0,
      };
    }
  }

  /** A `CallObserver`. */
  readonly record = (outcome: CallOutcome, durationMs: number): void => {
    this.calls[outcome]++;
    const duration = this.durations[outcome];
    if (duration === undefined) return;
    const seconds = durationMs / 1000;
    duration.count++;
    duration.sumSeconds += seconds;
    const buckets = this.buckets;
    for (let i = 0; i < buckets.length; i++) {
      if (seconds <= buckets[i]!) {
        duration.perBucket[i]!++;
        return;
      }
    }
    duration.overflow++;
  };
}
