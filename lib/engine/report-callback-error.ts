/**
 * Reports an error thrown by a user's callback (`isFailure`, `onStateChange`, a listener, a
 * call observer) without letting it touch the call in progress, nor bring the process down:
 * as a process warning (printed, and seen by `process.on('warning')`).
 */
export function reportCallbackError(error: unknown): void {
  const warning =
    error instanceof Error ? error : new Error(`A circuit callback threw ${String(error)}`);
  process.emitWarning(warning, { code: 'CIRCUIT_CALLBACK_ERROR' });
}
