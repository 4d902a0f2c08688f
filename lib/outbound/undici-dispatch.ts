// undici's dispatcher API, as far as the outbound layer uses it: undici is an optional peer, never
// imported here. A handler comes in one of two forms: the legacy one (`onConnect`, `onHeaders`…),
// which fetch (Node's own and undici's) and undici's `request()` give a dispatcher, and undici 7's
// (`onRequestStart`, `onResponseStart`…), which `compose()` gives interceptors.

export interface DispatchOptions {
  origin?: string | URL;
  method?: string;
}

export interface DispatchController {
  abort(reason: Error): void;
}

/** An undici (v7) dispatch handler, the form `compose()` gives interceptors. */
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

/** A raw header list: name, value, name, value… (Buffers from the socket, or strings). */
export type RawHeaders = ReadonlyArray<Uint8Array | string | ReadonlyArray<Uint8Array | string>>;

/** A legacy dispatch handler: the form fetch and `request()` give a dispatcher. */
export interface LegacyDispatchHandler {
  onConnect(abort: (reason?: Error) => void, context?: unknown): void;
  onHeaders?(statusCode: number, rawHeaders: RawHeaders, resume: () => void, text: string): boolean;
  onData?(chunk: Uint8Array): boolean;
  onComplete?(trailers: RawHeaders | null): void;
  onError(error: Error): void;
  onUpgrade?(statusCode: number, rawHeaders: RawHeaders, socket: unknown): void;
  onResponseStarted?(): void;
  onBodySent?(chunk: unknown): void;
  onRequestSent?(): void;
}

export type AnyHandler = DispatchHandler | LegacyDispatchHandler;

export type Dispatch = (options: DispatchOptions, handler: AnyHandler) => boolean;
