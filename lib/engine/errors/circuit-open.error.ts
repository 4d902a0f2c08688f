import { describeState, type CircuitState } from '../circuit-state.js';
import { errorBrand } from './error-brand.js';
import { inItsForm } from './error-forms.js';

const brand = errorBrand('CircuitOpenError');

/**
 * Thrown (or rejected with) instead of running the function while a circuit is open, forced
 * open, or half-open with every probe permit taken. `retryAfterMs` tells when the circuit will
 * let a call through. In a NestJS app with the module it is born a `CircuitOpenException` (a 503
 * `HttpException`, still `instanceof CircuitOpenError`), answered with 503 and `Retry-After`.
 *
 * It carries no stack trace: see `withoutStackTrace`.
 */
export class CircuitOpenError extends Error {
  constructor(
    /** The circuit's name. */
    readonly circuit: string,
    readonly state: CircuitState,
    /** Milliseconds until the circuit lets a call through; 0 when that is not known to be later. */
    readonly retryAfterMs: number,
  ) {
    super(`Circuit "${circuit}" is ${describeState(state)}`);
    // In a NestJS app, the module's HttpException form of it (see error-forms.ts).
    return inItsForm('CircuitOpenError', this);
  }

  /** `instanceof` by the brand: true for a CircuitOpenError of any copy of the package. */
  static override [Symbol.hasInstance](value: unknown): boolean {
    return brand.test(value);
  }
}
CircuitOpenError.prototype.name = 'CircuitOpenError';
brand.mark(CircuitOpenError.prototype);

/** Whether `value` is a `CircuitOpenError`, from this copy of the package or any other. */
export function isCircuitOpenError(value: unknown): value is CircuitOpenError {
  return brand.test(value);
}
