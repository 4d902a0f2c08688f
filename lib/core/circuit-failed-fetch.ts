import { circuitErrorOf } from './circuit-error-of.js';

/**
 * What `fetch` throws for a request a circuit refused or timed out: a `TypeError('fetch
 * failed')` with the circuit's error in its `cause` chain. A type for `@Catch()` only: Nest
 * picks a filter by `instanceof`, which this class answers itself, so any other `TypeError`
 * is never this filter's and goes wherever Nest would send it without the module (the app's
 * own filters, request-scoped ones included, or Nest's 500). No instance is ever made.
 */
export abstract class CircuitFailedFetch {
  static [Symbol.hasInstance](value: unknown): boolean {
    return value instanceof TypeError && circuitErrorOf(value.cause) !== undefined;
  }
}
