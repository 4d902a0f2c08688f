import { HttpException } from '@nestjs/common';

/**
 * The default `isFailure`: every error counts, except a NestJS `HttpException` with a status
 * below 500. A client's mistake (400, 404, 409…) says nothing about the dependency's health.
 * An error that cannot even be inspected (a Proxy whose traps throw) counts.
 */
export function countsAsFailure(error: unknown): boolean {
  try {
    return !(error instanceof HttpException && error.getStatus() < 500);
  } catch {
    return true;
  }
}
