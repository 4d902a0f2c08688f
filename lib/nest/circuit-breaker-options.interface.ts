import type { CircuitOptions } from '../engine/circuit-options.js';
import type { CircuitBreakerMetricsOptions } from '../metrics/circuit-breaker-metrics-options.interface.js';
import type { CircuitStore } from '../store/circuit-store.interface.js';

/** `CircuitBreakerModule.forRoot()` options. */
export interface CircuitBreakerModuleOptions {
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
  /** Prometheus metrics through prom-client (loaded only when this is given). Off by default. */
  metrics?: CircuitBreakerMetricsOptions;
  /**
   * Shares circuit state between replicas, e.g. `new RedisCircuitStore(redis)`. Default: none,
   * each replica keeps its own state in memory.
   */
  store?: CircuitStore;
}

/**
 * Called instead of failing when a protected call is rejected, times out or fails with a
 * counted error: `(error, ...originalArgs)`, with the instance as `this`. Its result goes to
 * the caller.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a fallback mirrors any method's parameters
export type CircuitFallback = (this: any, error: unknown, ...args: any[]) => unknown;

/** `@CircuitBreaker({ ... })`: a circuit's options, its name and a fallback. */
export interface CircuitBreakerDecoratorOptions extends CircuitOptions {
  /** The circuit's name; methods sharing a name share a circuit. Default `ClassName.methodName`. */
  name?: string;
  /** A method name on the same instance, or a function. See `CircuitFallback`. */
  fallback?: string | CircuitFallback;
}
