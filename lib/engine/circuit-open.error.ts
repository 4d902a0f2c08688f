import { ServiceUnavailableException } from '@nestjs/common';
import type { CircuitState } from './circuit-state.js';

/**
 * Thrown (or rejected with) instead of running the function while a circuit is open, forced
 * open, or half-open with every probe permit taken. An HTTP 503 for NestJS; `retryAfterMs`
 * tells when the circuit will let a probe through.
 *
 * It carries no stack trace: see `withoutStackTrace`.
 */
export class CircuitOpenError extends ServiceUnavailableException {
  constructor(
    /** The circuit's name. */
    readonly circuit: string,
    readonly state: CircuitState,
    /** Milliseconds until the circuit lets a probe through; 0 when that is not known to be later. */
    readonly retryAfterMs: number,
  ) {
    super({
      statusCode: 503,
      error: 'Service Unavailable',
      message: `Circuit "${circuit}" is ${state}`,
      circuit,
      retryAfterMs,
    });
  }
}
