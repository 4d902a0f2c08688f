/** Where a circuit stands. The string values are what stats, events and health details show. */
export enum CircuitState {
  /** Calls pass; the trip rules watch their outcomes. */
  Closed = 'closed',
  /** Calls are rejected at once with `CircuitOpenError` until the open duration has passed. */
  Open = 'open',
  /** A limited number of probe calls pass to test whether the dependency has recovered. */
  HalfOpen = 'half_open',
  /** Set by hand (`forceOpen()`): every call is rejected until `release()` or `reset()`. */
  ForcedOpen = 'forced_open',
  /** Set by hand (`disable()`): every call passes and is counted, and the circuit never opens. */
  Disabled = 'disabled',
}

const STATE_WORDS: Record<CircuitState, string> = {
  [CircuitState.Closed]: 'closed',
  [CircuitState.Open]: 'open',
  [CircuitState.HalfOpen]: 'half-open',
  [CircuitState.ForcedOpen]: 'forced open',
  [CircuitState.Disabled]: 'disabled',
};

/** A state as words, for messages: `forced open`, not `forced_open`. */
export function describeState(state: CircuitState): string {
  return STATE_WORDS[state] ?? String(state);
}

/** Why a circuit changed state. */
export type CircuitTransitionReason =
  | 'consecutive_failures'
  | 'failure_rate'
  | 'slow_call_rate'
  | 'reset_timeout_elapsed'
  | 'probe_failed'
  /** A probe still running after `probeTimeoutMs`. */
  | 'probe_timed_out'
  | 'probes_succeeded'
  /** The dependency asked for room: an upstream's `Retry-After` (`holdOpen()`). */
  | 'retry_after'
  | 'reset'
  | 'forced_open'
  | 'disabled'
  | 'released'
  /** Set by another replica, through a shared store. */
  | 'shared'
  /** Set from a snapshot (`restore()`). */
  | 'restored';

/** One state change of one circuit, as `onStateChange` and the registry's `events$` report it. */
export interface CircuitStateChange {
  /** The circuit's name. */
  readonly circuit: string;
  readonly from: CircuitState;
  readonly to: CircuitState;
  /** When it happened, as an ISO 8601 string. */
  readonly at: string;
  readonly reason: CircuitTransitionReason;
}

/** The states a store shares between replicas; half-open is each replica's own, from the clock. */
export type SharedCircuitState =
  CircuitState.Closed | CircuitState.Open | CircuitState.ForcedOpen | CircuitState.Disabled;

/** Whether `state` is one a store shares (anything but half-open). */
export function isSharedCircuitState(state: unknown): state is SharedCircuitState {
  return (
    state === CircuitState.Closed ||
    state === CircuitState.Open ||
    state === CircuitState.ForcedOpen ||
    state === CircuitState.Disabled
  );
}

/** Whether `state` is one set by hand and kept until released: forced open or disabled. */
export function isForcedState(
  state: unknown,
): state is CircuitState.ForcedOpen | CircuitState.Disabled {
  return state === CircuitState.ForcedOpen || state === CircuitState.Disabled;
}
