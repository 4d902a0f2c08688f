import type { CircuitOptions } from '../engine/circuit-options.js';

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
