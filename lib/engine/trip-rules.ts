import type { ResolvedCircuitOptions } from './circuit-options.js';
import type { CircuitTransitionReason } from './circuit-state.js';
import type { WindowTotals } from './outcome-window.js';

/**
 * One reason a closed circuit opens. Rules are asked after a counted failure or a slow call, and
 * after a success that may have brought a rate to its threshold (see `Circuit`). They hold no state:
 * thresholds come from the options (a rule whose option is off never trips), counts from the
 * circuit and its window.
 */
export interface TripRule {
  readonly reason: CircuitTransitionReason;
  tripped(
    consecutiveFailures: number,
    window: WindowTotals | undefined,
    options: ResolvedCircuitOptions,
  ): boolean;
}

const consecutiveFailures: TripRule = {
  reason: 'consecutive_failures',
  tripped: (failures, _window, options) => failures >= options.failureThreshold,
};

const failureRate: TripRule = {
  reason: 'failure_rate',
  tripped: (_failures, window, { failureRateThreshold, minimumThroughput }) =>
    failureRateThreshold !== undefined &&
    reaches(window!.failures, window!.calls, failureRateThreshold, minimumThroughput),
};

const slowCallRate: TripRule = {
  reason: 'slow_call_rate',
  tripped: (_failures, window, { slowCallRateThreshold, minimumThroughput }) =>
    slowCallRateThreshold !== undefined &&
    reaches(window!.slow, window!.calls, slowCallRateThreshold, minimumThroughput),
};

function reaches(
  count: number,
  calls: number,
  threshold: number,
  minimumThroughput: number,
): boolean {
  // Division, not threshold × calls: 3 / 30 >= 0.1 holds, while 0.1 × 30 is 3.0000000000000004.
  return calls >= minimumThroughput && count / calls >= threshold;
}

/** Every rule, in the order they are checked. */
export const TRIP_RULES: readonly TripRule[] = Object.freeze([
  consecutiveFailures,
  failureRate,
  slowCallRate,
]);
