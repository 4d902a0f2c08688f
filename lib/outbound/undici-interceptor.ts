import type { CircuitBreakerRegistry } from '../core/circuit-breaker.registry.js';
import type { CircuitBreakerOutboundOptions } from './circuit-breaker-outbound-options.interface.js';
import { OutboundCircuits } from './outbound-circuits.js';
import { OutboundReply, type HttpReply } from './outbound-reply.js';
import { isIdempotent, originOf } from './origin-of.js';
import { resolveOutboundOptions } from './resolve-outbound-options.js';

// undici's dispatcher API (v7, the handler form `compose()` gives interceptors), as far as this
// file uses it: undici is an optional peer, never imported here.
interface DispatchOptions {
  origin?: string | URL;
  method?: string;
}
interface DispatchController {
  abort(reason: Error): void;
}
/** An undici (v7) dispatch handler. */
export interface DispatchHandler {
  onRequestStart?(controller: DispatchController, context: unknown): void;
  onResponseStart?(
    controller: DispatchController,
    statusCode: number,
    headers: Record<string, string | string[] | undefined>,
    statusMessage?: string,
  ): void;
  onResponseError?(controller: DispatchController, error: Error): void;
  [other: string]: unknown;
}
type Dispatch = (options: DispatchOptions, handler: DispatchHandler) => boolean;
// Left open, so that it fits the types of whichever undici is installed without importing them.
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- see above
type AnyDispatch = (options: any, handler: any) => boolean;
/** What undici's `Dispatcher.compose()` takes. */
export type DispatchInterceptor = (dispatch: AnyDispatch) => AnyDispatch;

/**
 * An undici interceptor that puts each request through its origin's circuit, for a dispatcher
 * of your own: `new Agent().compose(circuitBreakerInterceptor(registry, { defaults }))`. The
 * circuits are built in `registry` (named `outbound:<origin>`), with `outbound`'s options.
 *
 * A refused request is never sent; fetch rejects with its `TypeError('fetch failed')` whose
 * `cause` is the `CircuitOpenError`. A request is never retried here: a body already streamed
 * cannot be sent again (compose undici's own `interceptors.retry()` for that).
 */
export function circuitBreakerInterceptor(
  registry: CircuitBreakerRegistry,
  options?: Omit<CircuitBreakerOutboundOptions, 'httpService' | 'fetch'>,
): DispatchInterceptor {
  return outboundInterceptor(new OutboundCircuits(registry, resolveOutboundOptions(options)));
}

/** The interceptor over circuits already built (the module's, for `fetch: 'global'`). */
export function outboundInterceptor(circuits: OutboundCircuits): DispatchInterceptor {
  return (dispatch: Dispatch) => (options: DispatchOptions, handler: DispatchHandler) => {
    const origin = originOf(options.origin);
    if (origin === undefined) return dispatch(options, handler);
    circuits
      .call({
        origin,
        idempotent: isIdempotent(options.method),
        retry: false,
        send: (signal) => sendObserved(dispatch, options, handler, signal),
        replyOf: (answer, thrown) => (thrown ? undefined : (answer as HttpReply)),
      })
      .catch((error: unknown) => {
        // Refused before it was sent (open, held, bulkhead full): the handler hears it here.
        // Once sent, undici tells the handler itself, the circuit's timeout included.
        if (!(error instanceof SentRequestError)) refuse(handler, error as Error);
      });
    return true;
  };
}

/** A request that was sent and then failed: undici has told its handler already. */
class SentRequestError extends Error {}

/**
 * Sends the request with a handler that passes everything on to `handler` and settles when the
 * response starts (its status: what the circuit judges) or the request fails; `signal` aborts it.
 */
function sendObserved(
  dispatch: Dispatch,
  options: DispatchOptions,
  handler: DispatchHandler,
  signal: AbortSignal | undefined,
): Promise<HttpReply> {
  return new Promise<HttpReply>((resolve, reject) => {
    const observed = new ObservedHandler(handler, signal, resolve, reject);
    try {
      dispatch(options, observed as unknown as DispatchHandler);
    } catch (error) {
      observed.settle();
      reject(error);
    }
  });
}

/**
 * The handler undici calls: each event passed on to the caller's handler as it is; the response's
 * start and the request's failure also settle the circuit's call. One object per request.
 */
class ObservedHandler {
  private controller: DispatchController | undefined = undefined;
  private readonly onAbort: (() => void) | undefined = undefined;

  constructor(
    private readonly handler: DispatchHandler,
    private readonly signal: AbortSignal | undefined,
    private readonly resolve: (reply: HttpReply) => void,
    private readonly reject: (error: unknown) => void,
  ) {
    if (signal !== undefined) {
      this.onAbort = () => this.controller?.abort(signal.reason as Error);
      signal.addEventListener('abort', this.onAbort, { once: true });
    }
  }

  settle(): void {
    if (this.onAbort !== undefined) this.signal!.removeEventListener('abort', this.onAbort);
  }

  onRequestStart(controller: DispatchController, context: unknown): void {
    this.controller = controller;
    if (this.signal?.aborted) controller.abort(this.signal.reason as Error);
    this.handler.onRequestStart?.(controller, context);
  }

  onRequestUpgrade(...args: unknown[]): unknown {
    const upgrade = this.handler.onRequestUpgrade as ((...given: unknown[]) => unknown) | undefined;
    return upgrade?.apply(this.handler, args);
  }

  onResponseStart(
    controller: DispatchController,
    statusCode: number,
    headers: Record<string, string | string[] | undefined>,
    statusMessage?: string,
  ): void {
    this.settle();
    this.resolve({ status: statusCode, retryAfter: headers['retry-after'] });
    this.handler.onResponseStart?.(controller, statusCode, headers, statusMessage);
  }

  onResponseData(controller: DispatchController, chunk: unknown): unknown {
    return (this.handler.onResponseData as ((...given: unknown[]) => unknown) | undefined)?.call(
      this.handler,
      controller,
      chunk,
    );
  }

  onResponseEnd(controller: DispatchController, trailers: unknown): unknown {
    return (this.handler.onResponseEnd as ((...given: unknown[]) => unknown) | undefined)?.call(
      this.handler,
      controller,
      trailers,
    );
  }

  onResponseError(controller: DispatchController, error: Error): void {
    this.settle();
    const sent = new SentRequestError(error.message, { cause: error });
    // The caller's own abort (fetch's signal) says nothing of the dependency: not counted.
    const callersAbort = error.name === 'AbortError' && this.signal?.aborted !== true;
    this.reject(callersAbort ? new OutboundReply(sent, true, false) : sent);
    this.handler.onResponseError?.(controller, error);
  }
}

/** Tells `handler` its request was refused without being sent (in either handler form). */
function refuse(handler: DispatchHandler, error: Error): void {
  const controller: DispatchController = { abort() {} };
  if (typeof handler.onResponseError === 'function') handler.onResponseError(controller, error);
  else if (typeof handler.onError === 'function') (handler.onError as (e: Error) => void)(error);
}
