import type { HttpException } from '@nestjs/common';
import { isBulkheadFullError } from '../engine/errors/bulkhead-full.error.js';
import { isCircuitOpenError } from '../engine/errors/circuit-open.error.js';
import { asHttpException, type CircuitFailureBody } from './circuit-http-exceptions.js';

/**
 * The `Retry-After` value (whole seconds) an exception asks for: a circuit's or a bulkhead's
 * refusal, in either form and from any copy of the package; `undefined` for anything else.
 *
 * @example
 * const retryAfter = retryAfterSeconds(exception);
 * if (retryAfter !== undefined) response.header('Retry-After', String(retryAfter));
 */
export function retryAfterSeconds(exception: unknown): number | undefined {
  if (!isCircuitOpenError(exception) && !isBulkheadFullError(exception)) return undefined;
  const body = (asHttpException(exception) as HttpException).getResponse() as CircuitFailureBody;
  // The body says at least a second: the header says the same, rounded up.
  return Math.ceil(body.retryAfterMs! / 1000);
}

/**
 * Sets `Retry-After` on an Express response or a Fastify reply when `exception` is a circuit's
 * or a bulkhead's refusal; does nothing otherwise. The one line a custom exception filter
 * needs to keep the header the module's own filter sends:
 *
 * @example
 * setRetryAfter(host.switchToHttp().getResponse(), exception);
 */
export function setRetryAfter(response: unknown, exception: unknown): void {
  const seconds = retryAfterSeconds(exception);
  if (seconds === undefined) return;
  const target = response as {
    header?: (name: string, value: string) => unknown;
    setHeader?: (name: string, value: string) => unknown;
  };
  // Express's response and Fastify's reply have `header()`; Node's own response `setHeader()`.
  if (typeof target.header === 'function') target.header('Retry-After', String(seconds));
  else target.setHeader?.('Retry-After', String(seconds));
}
