// The engine, on its own: `import { Circuit } from 'nestjs-circuit-breaker/engine'` loads no
// NestJS. Plain TypeScript, usable and testable anywhere. The package's main entry re-exports
// all of it.
export {
  Circuit,
  type ExecuteOptions,
  type StateChangeListener,
  type WrapOptions,
} from './circuit.js';
export {
  CircuitState,
  type CircuitStateChange,
  type CircuitTransitionReason,
  type SharedCircuitState,
} from './circuit-state.js';
export {
  DEFAULT_CIRCUIT_OPTIONS,
  type CircuitOptions,
  type ResolvedCircuitOptions,
} from './circuit-options.js';
export type { CircuitStats } from './circuit-stats.js';
export {
  CIRCUIT_SNAPSHOT_VERSION,
  type CircuitRegistrySnapshot,
  type CircuitSnapshot,
  type CountWindowSnapshot,
  type SnapshotCounters,
  type TimeWindowSnapshot,
  type WindowBucket,
  type WindowSnapshot,
} from './circuit-snapshot.js';
export type { LatencySummary } from './latency-histogram.js';
export type { CircuitTransition } from './transition-history.js';
export { countsAsFailure } from './counts-as-failure.js';
export { CircuitOpenError, isCircuitOpenError } from './errors/circuit-open.error.js';
export { CallTimeoutError, isCallTimeoutError } from './errors/call-timeout.error.js';
export { CircuitOptionsError } from './errors/circuit-options.error.js';
export { CircuitSnapshotError } from './errors/circuit-snapshot.error.js';
export { BulkheadFullError, isBulkheadFullError } from './errors/bulkhead-full.error.js';
export type { RetryOptions } from './retry-options.js';
export type { AdaptiveTimeoutOptions } from './adaptive-timeout.js';

// For integrations: what metrics and shared stores plug into.
export type { CallObserver, CallOutcome } from './call-observer.js';
export type { ProbePermits } from './shared-probes.js';
