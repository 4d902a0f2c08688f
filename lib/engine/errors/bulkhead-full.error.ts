import { errorBrand } from './error-brand.js';
import { inItsForm } from './error-forms.js';

const brand = errorBrand('BulkheadFullError');

/**
 * What the caller gets when a circuit's bulkhead has no room: `maxConcurrent` calls run and
 * `maxQueued` wait already, or a call waited in the queue until its deadline. Not a failure of
 * the dependency: the circuit does not count it. In a NestJS app with the module it is born a
 * `BulkheadFullException` (a 503 `HttpException`, still `instanceof BulkheadFullError`).
 */
export class BulkheadFullError extends Error {
  constructor(
    /** The circuit's name. */
    readonly circuit: string,
    readonly maxConcurrent: number,
    readonly maxQueued: number,
    /** Whether it waited in the queue first (until its deadline passed). */
    readonly waited: boolean,
  ) {
    super(
      waited
        ? `Call through circuit "${circuit}" waited for the bulkhead until its deadline (${maxConcurrent} running)`
        : `Circuit "${circuit}" is full: ${maxConcurrent} calls running, ${maxQueued} waiting`,
    );
    // In a NestJS app, the module's HttpException form of it (see error-forms.ts).
    return inItsForm('BulkheadFullError', this);
  }

  /** `instanceof` by the brand: true for a BulkheadFullError of any copy of the package. */
  static override [Symbol.hasInstance](value: unknown): boolean {
    return brand.test(value);
  }
}
BulkheadFullError.prototype.name = 'BulkheadFullError';
brand.mark(BulkheadFullError.prototype);

/** Whether `value` is a `BulkheadFullError`, from this copy of the package or any other. */
export function isBulkheadFullError(value: unknown): value is BulkheadFullError {
  return brand.test(value);
}
