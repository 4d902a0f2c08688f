import { errorBrand } from './error-brand.js';
import { inItsForm } from './error-forms.js';

const brand = errorBrand('CallTimeoutError');

/**
 * What the caller gets when a call runs longer than the circuit's `timeoutMs`. It counts as a
 * failure of the circuit, and the call's `AbortSignal` is aborted with it as the reason. In a
 * NestJS app with the module it is born a `CallTimeoutException` (a 504 `HttpException`, still
 * `instanceof CallTimeoutError`): the dependency, not this service, took too long.
 */
export class CallTimeoutError extends Error {
  constructor(
    /** The circuit's name. */
    readonly circuit: string,
    readonly timeoutMs: number,
  ) {
    super(`Call through circuit "${circuit}" timed out after ${timeoutMs} ms`);
    // In a NestJS app, the module's HttpException form of it (see error-forms.ts).
    return inItsForm('CallTimeoutError', this);
  }

  /** `instanceof` by the brand: true for a CallTimeoutError of any copy of the package. */
  static override [Symbol.hasInstance](value: unknown): boolean {
    return brand.test(value);
  }
}
CallTimeoutError.prototype.name = 'CallTimeoutError';
brand.mark(CallTimeoutError.prototype);

/** Whether `value` is a `CallTimeoutError`, from this copy of the package or any other. */
export function isCallTimeoutError(value: unknown): value is CallTimeoutError {
  return brand.test(value);
}
