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
    let controller: DispatchController | undefined;
    const abort = () => controller?.abort(signal!.reason as Error);
    signal?.addEventListener('abort', abort, { once: true });
    const settled = () => signal?.removeEventListener('abort', abort);
    const observed: DispatchHandler = Object.create(null) as DispatchHandler;
    for (const key of HANDLER_METHODS) {
      const method = handler[key];
      if (typeof method === 'function') {
        observed[key] = (...args: unknown[]) =>
          (method as (...given: unknown[]) => unknown).apply(handler, args);
      }
    }
    observed.onRequestStart = (given, context) => {
      controller = given;
      if (signal?.aborted) given.abort(signal.reason as Error);
      handler.onRequestStart?.(given, context);
    };
    observed.onResponseStart = (given, statusCode, headers, statusMessage) => {
      settled();
      resolve({ status: statusCode, retryAfter: headers['retry-after'] });
      handler.onResponseStart?.(given, statusCode, headers, statusMessage);
    };
    observed.onResponseError = (given, error) => {
      settled();
      const sent = new SentRequestError(error.message, { cause: error });
      // The caller's own abort (fetch's signal) says nothing of the dependency: not counted.
      const callersAbort = error.name === 'AbortError' && signal?.aborted !== true;
      reject(callersAbort ? new OutboundReply(sent, true, false) : sent);
      handler.onResponseError?.(given, error);
    };
    try {
      dispatch(options, observed);
    } catch (error) {
      settled();
      reject(error);
    }
  });
}

/** The other handler methods, passed on as they are. */
const HANDLER_METHODS = ['onRequestUpgrade', 'onResponseData', 'onResponseEnd'] as const;

/** Tells `handler` its request was refused without being sent. */
function refuse(handler: DispatchHandler, error: Error): void {
  const controller: DispatchController = { abort() {} };
  if (handler.onResponseError === undefined) throw error;
  handler.onResponseError(controller, error);
}
