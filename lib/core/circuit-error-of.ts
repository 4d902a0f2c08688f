import {
  isBulkheadFullError,
  type BulkheadFullError,
} from '../engine/errors/bulkhead-full.error.js';
import { isCallTimeoutError, type CallTimeoutError } from '../engine/errors/call-timeout.error.js';
import { isCircuitOpenError, type CircuitOpenError } from '../engine/errors/circuit-open.error.js';

/** A circuit's refusal, its bulkhead's, or a timeout through it, in either form. */
export type CircuitFailure = CircuitOpenError | BulkheadFullError | CallTimeoutError;

/** Deep enough for a wrapper of a wrapper; bounded, as a `cause` chain may loop. */
const MAX_DEPTH = 8;

/**
 * The circuit error in `error` or its `cause` chain, or `undefined`. Node's `fetch` rejects a
 * refused request with `TypeError('fetch failed')` whose `cause` is the `CircuitOpenError` (or
 * `CallTimeoutError`): this finds it. Errors are told by their brand, any copy of the package.
 *
 * @example
 * const exception = circuitErrorOf(caught) ?? caught; // in a catch-all exception filter
 */
export function circuitErrorOf(error: unknown): CircuitFailure | undefined {
  let current = error;
  for (let depth = 0; depth <= MAX_DEPTH && current !== null && current !== undefined; depth++) {
    if (isCircuitFailure(current)) return current;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

function isCircuitFailure(value: unknown): value is CircuitFailure {
  return isCircuitOpenError(value) || isBulkheadFullError(value) || isCallTimeoutError(value);
}
