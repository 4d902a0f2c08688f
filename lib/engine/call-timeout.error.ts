import { GatewayTimeoutException } from '@nestjs/common';

/**
 * What the caller gets when a call runs longer than the circuit's `timeoutMs`. It counts as a
 * failure of the circuit, and the call's `AbortSignal` is aborted with it as the reason. An HTTP
 * 504 for NestJS: the dependency, not this service, took too long.
 */
export class CallTimeoutError extends GatewayTimeoutException {
  constructor(
    /** The circuit's name. */
    readonly circuit: string,
    readonly timeoutMs: number,
  ) {
    super(`Call through circuit "${circuit}" timed out after ${timeoutMs} ms`);
  }
}
