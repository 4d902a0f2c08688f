/**
 * The default `isFailure`: every error counts, except a NestJS `HttpException` with a status
 * below 500. A client's mistake (400, 404, 409…) says nothing about the dependency's health.
 * An HttpException is known by its shape (`getStatus()` and `getResponse()`), so that the engine
 * needs no NestJS, and exceptions of any copy of @nestjs/common are told alike. An error that
 * cannot even be inspected (a Proxy whose traps throw) counts.
 */
export function countsAsFailure(error: unknown): boolean {
  try {
    if (typeof error !== 'object' || error === null) return true;
    const { getStatus, getResponse } = error as { getStatus?: unknown; getResponse?: unknown };
    if (typeof getStatus !== 'function' || typeof getResponse !== 'function') return true;
    const status: unknown = getStatus.call(error);
    return !(typeof status === 'number' && status < 500);
  } catch {
    return true;
  }
}
