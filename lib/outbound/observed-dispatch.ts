import type { OutboundCircuits, OutboundRequest } from './outbound-circuits.js';
import { OutboundReply, type HttpReply } from './outbound-reply.js';
import { isIdempotent, originOf } from './origin-of.js';
import type {
  AnyHandler,
  Dispatch,
  DispatchController,
  DispatchHandler,
  DispatchOptions,
  LegacyDispatchHandler,
  RawHeaders,
} from './undici-dispatch.js';

/**
 * Dispatches one request through its origin's circuit: refused without being sent while the
 * circuit refuses (the handler hears the `CircuitOpenError`), else sent with `handler` observed
 * in its own form, legacy or undici 7's, so that undici converts nothing. What the interceptor
 * and the dispatcher both run. Returns what `dispatch` returned, or `true` when not sent yet.
 */
export function dispatchThroughCircuits(
  circuits: OutboundCircuits,
  dispatch: Dispatch,
  options: DispatchOptions,
  handler: AnyHandler,
): boolean {
  const origin = originOf(options.origin);
  if (origin === undefined) return dispatch(options, handler);
  const observed: ObservedRequest<AnyHandler> =
    typeof (handler as DispatchHandler).onRequestStart === 'function'
      ? new ObservedHandler(origin, dispatch, options, handler as DispatchHandler)
      : new ObservedLegacyHandler(origin, dispatch, options, handler as LegacyDispatchHandler);
  circuits.call(observed).catch((error: unknown) => observed.rejected(error as Error));
  return observed.accepted;
}

/**
 * One request as the circuit runs it (its `OutboundRequest`, and once the response starts its
 * `HttpReply`) and as undici calls it (the handler it is given): one object per request. The
 * call settles when the response starts (its status: what the circuit judges) or the request
 * fails; the circuit's signal (its timeout) aborts the real request.
 */
abstract class ObservedRequest<Handler extends AnyHandler>
  implements OutboundRequest<HttpReply>, HttpReply
{
  readonly idempotent: boolean;
  readonly retry = false; // a body already streamed cannot be sent again
  status = 0;
  retryAfter: string | readonly string[] | undefined = undefined;
  /** What the dispatcher's `dispatch` returned (`true` until it is called). */
  accepted = true;
  private sent = false;
  protected circuitSignal: AbortSignal | undefined = undefined;
  private resolve: ((reply: HttpReply) => void) | undefined = undefined;
  private reject: ((error: unknown) => void) | undefined = undefined;

  constructor(
    readonly origin: string,
    private readonly dispatch: Dispatch,
    private readonly options: DispatchOptions,
    /** The caller's handler, told everything. */
    protected readonly handler: Handler,
  ) {
    this.idempotent = isIdempotent(options.method);
  }

  send(signal: AbortSignal | undefined): Promise<HttpReply> {
    return new Promise<HttpReply>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
      this.circuitSignal = signal;
      signal?.addEventListener('abort', this, { once: true });
      this.sent = true;
      try {
        this.accepted = this.dispatch(this.options, this as unknown as AnyHandler);
      } catch (error) {
        this.sent = false; // the handler has not heard it: `rejected` tells it
        this.stopWatching();
        reject(error);
      }
    });
  }

  replyOf(answer: unknown, thrown: boolean): HttpReply | undefined {
    return thrown ? undefined : (answer as HttpReply);
  }

  /** The circuit's signal aborted (its timeout): the real request is aborted, its socket freed. */
  handleEvent(): void {
    this.abortRequest(this.circuitSignal!.reason as Error);
  }

  /** The circuit's call failed: when the request was never sent, its handler is told here. */
  rejected(error: Error): void {
    // Once sent, undici tells the handler itself, of the circuit's timeout too.
    if (!this.sent) this.refuse(error);
  }

  protected abstract abortRequest(reason: Error): void;
  /** Tells the handler its request was refused without being sent. */
  protected abstract refuse(error: Error): void;

  protected responseStarted(status: number, retryAfter: string | readonly string[] | undefined) {
    this.stopWatching();
    this.status = status;
    this.retryAfter = retryAfter;
    this.resolve!(this);
  }

  protected requestFailed(error: Error): void {
    this.stopWatching();
    // The caller's own abort (fetch's signal) says nothing of the dependency: not counted.
    const callersAbort = error?.name === 'AbortError' && this.circuitSignal?.aborted !== true;
    this.reject!(callersAbort ? new OutboundReply(error, true, false) : error);
  }

  private stopWatching(): void {
    this.circuitSignal?.removeEventListener('abort', this);
  }
}

/** Only a 429 or a 503 can hold an origin: the header is looked for in their responses alone. */
function holdsFor(status: number): boolean {
  return status === 429 || status === 503;
}

/** A handler of the legacy form (fetch's, `request()`'s), observed as such. */
class ObservedLegacyHandler extends ObservedRequest<LegacyDispatchHandler> {
  private abort: ((reason?: Error) => void) | undefined = undefined;

  protected abortRequest(reason: Error): void {
    this.abort?.(reason);
  }

  protected refuse(error: Error): void {
    this.handler.onError(error);
  }

  onConnect(abort: (reason?: Error) => void, context?: unknown): void {
    this.abort = abort;
    this.handler.onConnect(abort, context);
    // Timed out before a connection was given: aborted now that it can be.
    if (this.circuitSignal?.aborted) abort(this.circuitSignal.reason as Error);
  }

  onResponseStarted(): void {
    this.handler.onResponseStarted?.();
  }

  onHeaders(status: number, rawHeaders: RawHeaders, resume: () => void, text: string): boolean {
    this.responseStarted(
      status,
      holdsFor(status) ? rawHeader(rawHeaders, 'retry-after') : undefined,
    );
    return this.handler.onHeaders!(status, rawHeaders, resume, text);
  }

  onData(chunk: Uint8Array): boolean {
    return this.handler.onData!(chunk);
  }

  onComplete(trailers: RawHeaders | null): void {
    this.handler.onComplete!(trailers);
  }

  onError(error: Error): void {
    this.requestFailed(error);
    this.handler.onError(error);
  }

  onUpgrade(status: number, rawHeaders: RawHeaders, socket: unknown): void {
    this.responseStarted(status, undefined);
    this.handler.onUpgrade!(status, rawHeaders, socket);
  }

  onBodySent(chunk: unknown): void {
    this.handler.onBodySent?.(chunk);
  }

  onRequestSent(): void {
    this.handler.onRequestSent?.();
  }
}

type Forward = (...given: unknown[]) => unknown;

/** A handler of undici 7's form (what `compose()` gives interceptors), observed as such. */
class ObservedHandler extends ObservedRequest<DispatchHandler> {
  private controller: DispatchController | undefined = undefined;

  protected abortRequest(reason: Error): void {
    this.controller?.abort(reason);
  }

  protected refuse(error: Error): void {
    this.handler.onResponseError?.(REFUSED, error);
  }

  onRequestStart(controller: DispatchController, context: unknown): void {
    this.controller = controller;
    if (this.circuitSignal?.aborted) controller.abort(this.circuitSignal.reason as Error);
    this.handler.onRequestStart?.(controller, context);
  }

  onRequestUpgrade(controller: DispatchController, status: number, ...rest: unknown[]): unknown {
    this.responseStarted(status, undefined);
    return (this.handler.onRequestUpgrade as Forward | undefined)?.call(
      this.handler,
      controller,
      status,
      ...rest,
    );
  }

  onResponseStart(
    controller: DispatchController,
    status: number,
    headers: Record<string, string | string[] | undefined>,
    statusMessage?: string,
  ): void {
    this.responseStarted(status, holdsFor(status) ? headers['retry-after'] : undefined);
    this.handler.onResponseStart?.(controller, status, headers, statusMessage);
  }

  onResponseData(controller: DispatchController, chunk: unknown): unknown {
    return (this.handler.onResponseData as Forward | undefined)?.call(
      this.handler,
      controller,
      chunk,
    );
  }

  onResponseEnd(controller: DispatchController, trailers: unknown): unknown {
    return (this.handler.onResponseEnd as Forward | undefined)?.call(
      this.handler,
      controller,
      trailers,
    );
  }

  onResponseError(controller: DispatchController, error: Error): void {
    this.requestFailed(error);
    this.handler.onResponseError?.(controller, error);
  }
}

/** The controller a refused request's handler is given: there is nothing to abort or pause. */
const REFUSED = { abort() {}, pause() {}, resume() {}, aborted: true, paused: false, reason: null };

/** The first value of header `name` (lower case) in a raw header list, as text. */
function rawHeader(rawHeaders: RawHeaders, name: string): string | undefined {
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const key = rawHeaders[i] as Uint8Array | string;
    if (key.length === name.length && latin1(key).toLowerCase() === name) {
      const value = rawHeaders[i + 1]!;
      return latin1(isList(value) ? value[0]! : value);
    }
  }
  return undefined;
}

function isList(value: RawHeaders[number]): value is ReadonlyArray<Uint8Array | string> {
  return Array.isArray(value);
}

function latin1(value: Uint8Array | string): string {
  return typeof value === 'string'
    ? value
    : Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('latin1');
}
