import type { CircuitOptions } from '../engine/circuit-options.js';

/** What the module's options say of the circuits themselves: the registry's part of them. */
export interface CircuitBreakerRegistryOptions {
  /** Options for every circuit, over the built-in defaults. */
  defaults?: CircuitOptions;
  /**
   * Options per circuit name, over `defaults` and over the decorator's own: operators tune a
   * circuit per environment without touching code. Each named circuit exists from start-up.
   */
  circuits?: Record<string, CircuitOptions>;
  /**
   * At most this many circuits (default 10 000): building one more throws
   * `TooManyCircuitsError`. Circuit names are a fixed set chosen in code, never taken from
   * request data. The metrics are bounded by the same cap.
   */
  maxCircuits?: number;
}
