/** The `code` of the process warning a throwing user callback gives. */
export const CALLBACK_ERROR_WARNING = 'CIRCUIT_CALLBACK_ERROR';

/**
 * Reports an error thrown by a user's callback (`isFailure`, `onStateChange`, a listener, a
 * call observer, an `events$` subscriber) without letting it touch the call in progress, nor
 * bring the process down: as a process warning with code `CIRCUIT_CALLBACK_ERROR` (printed,
 * and seen by `process.on('warning')`). The warning is built from a message: Node ignores the
 * code of a warning given as an Error.
 */
export function reportCallbackError(error: unknown, where = 'A circuit callback'): void {
  process.emitWarning(`${where} threw: ${describe(error)}`, {
    type: 'CircuitCallbackWarning',
    code: CALLBACK_ERROR_WARNING,
    detail: stackOf(error),
  });
}

// The thrown value may be anything, a Proxy whose traps throw included: never let reading it throw.
function describe(error: unknown): string {
  try {
    return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  } catch {
    return 'a value that cannot be described';
  }
}

function stackOf(error: unknown): string | undefined {
  try {
    return error instanceof Error ? error.stack : undefined;
  } catch {
    return undefined;
  }
}
