import type { Circuit } from '../engine/circuit.js';
import {
  CircuitState,
  describeState,
  type CircuitStateChange,
  type CircuitTransitionReason,
} from '../engine/circuit-state.js';
import type { CircuitStats } from '../engine/circuit-stats.js';

/** One log line: a warning when calls are refused from now on, information otherwise. */
export interface StateChangeLine {
  level: 'warn' | 'log';
  message: string;
}

const REASONS: Partial<Record<CircuitTransitionReason, string>> = {
  reset_timeout_elapsed: 'open period over',
  probe_failed: 'a probe failed',
  probe_timed_out: 'a probe timed out',
  probes_succeeded: 'probes succeeded',
  retry_after: 'the dependency asked for room with Retry-After',
  reset: 'reset()',
  forced_open: 'forceOpen()',
  disabled: 'disable()',
  released: 'release()',
  shared: 'set by another replica',
  restored: 'restored from a snapshot',
};

const WHAT_NOW: Record<CircuitState, string> = {
  [CircuitState.Open]: 'calls are refused',
  [CircuitState.HalfOpen]: 'letting probes through',
  [CircuitState.Closed]: 'calls go through again',
  [CircuitState.ForcedOpen]: 'every call is refused until release() or reset()',
  [CircuitState.Disabled]: 'every call goes through, unprotected, until release() or reset()',
};

/**
 * The line that reports `change`, with the figures that explain an opening: `Circuit "payments"
 * opened (5 consecutive failures): calls are refused, retry after 30 s`.
 */
export function stateChangeLine(circuit: Circuit, change: CircuitStateChange): StateChangeLine {
  const stats = circuit.stats();
  const { to } = change;
  let message = `Circuit ${JSON.stringify(change.circuit)} ${verb(to)} (${why(circuit, change, stats)}): ${WHAT_NOW[to] ?? to}`;
  if (to === CircuitState.Open) message += `, retry after ${seconds(stats.retryAfterMs)}`;
  if (to === CircuitState.HalfOpen)
    message += ` (at most ${circuit.options.halfOpenMaxCalls} at once)`;
  const refusing = to === CircuitState.Open || to === CircuitState.ForcedOpen;
  return { level: refusing ? 'warn' : 'log', message };
}

function verb(state: CircuitState): string {
  if (state === CircuitState.Open) return 'opened';
  if (state === CircuitState.Closed) return 'closed';
  return `is ${describeState(state)}`;
}

function why(circuit: Circuit, { reason }: CircuitStateChange, stats: CircuitStats): string {
  const { failureRateThreshold, slowCallRateThreshold, slowCallDurationMs } = circuit.options;
  switch (reason) {
    case 'consecutive_failures':
      return `${stats.consecutiveFailures} consecutive failures`;
    case 'failure_rate':
      return `failure rate ${percent(stats.failureRate)} of ${stats.windowCalls} calls, threshold ${percent(failureRateThreshold)}`;
    case 'slow_call_rate':
      return `slow-call rate ${percent(stats.slowCallRate)} of ${stats.windowCalls} calls at ≥ ${slowCallDurationMs} ms, threshold ${percent(slowCallRateThreshold)}`;
    default:
      return REASONS[reason] ?? reason;
  }
}

function percent(ratio: number | undefined): string {
  return ratio === undefined ? 'off' : `${Math.round(ratio * 1000) / 10}%`;
}

function seconds(ms: number): string {
  return ms < 1_000 ? `${ms} ms` : `${Math.round(ms / 100) / 10} s`;
}
