/**
 * Builds an error without capturing a stack trace. A rejection by an open circuit is expected
 * and frequent exactly when a service is under stress; the stack would be the costliest part
 * of it and says nothing the circuit's name does not.
 */
export function withoutStackTrace<E extends Error>(build: () => E): E {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return build();
  } finally {
    Error.stackTraceLimit = limit;
  }
}
