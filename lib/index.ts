export { Circuit, type StateChangeListener } from './engine/circuit.js';
export {
  CircuitState,
  type CircuitStateChange,
  type CircuitTransitionReason,
} from './engine/circuit-state.js';
export {
  DEFAULT_CIRCUIT_OPTIONS,
  type CircuitOptions,
  type ResolvedCircuitOptions,
} from './engine/circuit-options.js';
export type { CircuitStats } from './engine/circuit-stats.js';
export { countsAsFailure } from './engine/counts-as-failure.js';
export { CircuitOpenError } from './engine/circuit-open.error.js';
export { CallTimeoutError } from './engine/call-timeout.error.js';
export { CircuitOptionsError } from './engine/circuit-options.error.js';
