import {
  GatewayTimeoutException,
  HttpException,
  ServiceUnavailableException,
} from '@nestjs/common';
import type { CircuitState } from '../engine/circuit-state.js';
import {
  isBulkheadFullError,
  type BulkheadFullError,
} from '../engine/errors/bulkhead-full.error.js';
import { isCallTimeoutError, type CallTimeoutError } from '../engine/errors/call-timeout.error.js';
import { isCircuitOpenError, type CircuitOpenError } from '../engine/errors/circuit-open.error.js';
import { errorBrand } from '../engine/errors/error-brand.js';
import { setErrorForm } from '../engine/errors/error-forms.js';
import { withoutStackTrace } from '../engine/without-stack-trace.js';

/** What a caller outside the process is told of a refusal or a timeout, as JSON. */
export interface CircuitFailureBody {
  statusCode: 503 | 504;
  error: 'Service Unavailable' | 'Gateway Timeout';
  message: string;
  circuit: string;
  /**
   * A refusal's: how long to wait before retrying, at least a second. A circuit refusing
   * without a known reopening time (forced open, half-open with its probes taken) or a full
   * bulkhead is still no place to retry at once; `Retry-After` is this, in whole seconds.
   */
  retryAfterMs?: number;
}

/**
 * `CircuitOpenError` as NestJS knows errors: a `ServiceUnavailableException` (503) whose body
 * names the circuit and `retryAfterMs`. It carries the engine error's brand, name and fields, so
 * `instanceof CircuitOpenError` and `isCircuitOpenError()` hold for it too. In an app with the
 * module, every circuit's refusal is born in this form (see `presentErrorsAsHttpExceptions`);
 * the engine error is its `cause`.
 */
export class CircuitOpenException extends ServiceUnavailableException {
  readonly circuit: string;
  readonly state: CircuitState;
  /** As the engine error's: 0 when a later reopening time is not known. */
  readonly retryAfterMs: number;

  constructor(error: CircuitOpenError) {
    super(refusalBody(error, error.retryAfterMs), { cause: error });
    this.circuit = error.circuit;
    this.state = error.state;
    this.retryAfterMs = error.retryAfterMs;
  }
}
bearEngineName(CircuitOpenException, 'CircuitOpenError');

/** `BulkheadFullError` as a `ServiceUnavailableException` (503): see `CircuitOpenException`. */
export class BulkheadFullException extends ServiceUnavailableException {
  readonly circuit: string;
  readonly maxConcurrent: number;
  readonly maxQueued: number;
  readonly waited: boolean;

  constructor(error: BulkheadFullError) {
    // No time is known when a place frees: the least advice, a second.
    super(refusalBody(error, 0), { cause: error });
    this.circuit = error.circuit;
    this.maxConcurrent = error.maxConcurrent;
    this.maxQueued = error.maxQueued;
    this.waited = error.waited;
  }
}
bearEngineName(BulkheadFullException, 'BulkheadFullError');

/** `CallTimeoutError` as a `GatewayTimeoutException` (504): the dependency took too long. */
export class CallTimeoutException extends GatewayTimeoutException {
  readonly circuit: string;
  readonly timeoutMs: number;

  constructor(error: CallTimeoutError) {
    const { circuit, message } = error;
    const body: CircuitFailureBody = {
      statusCode: 504,
      error: 'Gateway Timeout',
      message,
      circuit,
    };
    super(body, { cause: error });
    this.circuit = circuit;
    this.timeoutMs = error.timeoutMs;
  }
}
bearEngineName(CallTimeoutException, 'CallTimeoutError');

/** Any of the three, as NestJS sees them. */
export type CircuitHttpException =
  CircuitOpenException | BulkheadFullException | CallTimeoutException;

/**
 * From now on, the engine's refusals and timeouts in this process are born as their
 * `HttpException` forms, wherever a circuit makes them: decorated methods, the interceptor, the
 * registry's circuits used directly. `CircuitErrorForms` calls it when an app starts; a call
 * that succeeds pays nothing for it.
 */
export function presentErrorsAsHttpExceptions(): void {
  setErrorForm<CircuitOpenError>('CircuitOpenError', (error) => new CircuitOpenException(error));
  setErrorForm<BulkheadFullError>('BulkheadFullError', (error) => new BulkheadFullException(error));
  setErrorForm<CallTimeoutError>('CallTimeoutError', (error) => new CallTimeoutException(error));
}

/**
 * The `HttpException` form of a circuit's refusal or timeout (an engine error of another copy
 * of the package, or one made before an app was built); any other value, an `HttpException`
 * included, as it is.
 */
export function asHttpException(error: unknown): unknown {
  if (error instanceof HttpException) return error;
  // Built only on the error path; like the engine's, these carry no stack trace.
  if (isCircuitOpenError(error)) return withoutStackTrace(() => new CircuitOpenException(error));
  if (isBulkheadFullError(error)) return withoutStackTrace(() => new BulkheadFullException(error));
  if (isCallTimeoutError(error)) return withoutStackTrace(() => new CallTimeoutException(error));
  return error;
}

/**
 * The class's brand, and its engine class's name (as `constructor.name`, and so Nest's `name`
 * for its instances): to a log, a fallback or a test, it is the same error as before, in the
 * form Nest answers.
 */
function bearEngineName(form: abstract new (...args: never[]) => object, name: string): void {
  errorBrand(name).mark(form.prototype);
  Object.defineProperty(form, 'name', { value: name });
}

function refusalBody(
  { circuit, message }: CircuitOpenError | BulkheadFullError,
  retryAfterMs: number,
): CircuitFailureBody {
  return {
    statusCode: 503,
    error: 'Service Unavailable',
    message,
    circuit,
    retryAfterMs: Math.max(1000, retryAfterMs),
  };
}
