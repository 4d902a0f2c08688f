/**
 * Reports an error thrown by a user's callback (`isFailure`, `onStateChange`, a listener)
 * without letting it touch the call in progress: like an `EventTarget` listener's error, it
 * surfaces as an uncaught exception on its own.
 */
export function reportCallbackError(error: unknown): void {
  queueMicrotask(() => {
    throw error;
  });
}
