import { RequestMethod } from '@nestjs/common';
import { CircuitOptionsError } from '../engine/errors/circuit-options.error.js';

/**
 * The start-up error for a circuit that would retry a route handler that must not run twice
 * for one request (a POST, a PATCH...): the route's own `retry`, or a circuit it shares that
 * retries for its other methods. It says what to do: drop the retry, give the route a circuit
 * of its own, or mark it `@IdempotentRoute()`.
 */
export function routeRetryError(
  circuit: string,
  route: string,
  method: RequestMethod | undefined,
  retry: unknown,
  /** Whether the retry is the circuit's, for the other methods it protects. */
  shared: boolean,
): CircuitOptionsError {
  const handler =
    method === undefined ? 'a handler with no HTTP method' : `a ${RequestMethod[method]} route`;
  return new CircuitOptionsError(
    circuit,
    'retry',
    retry,
    `left out of a circuit that protects ${route}, ${handler}, which a retry would run twice ` +
      `for one request: ${shared ? 'give the route a circuit of its own' : 'remove it'}, or ` +
      'mark the route @IdempotentRoute() if it may run twice',
  );
}
