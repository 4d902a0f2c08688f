import type { CanActivate, Type } from '@nestjs/common';

/** A guard as `@UseGuards()` takes it: a class Nest builds and injects, or an instance. */
export type CircuitBreakerAdminGuard = Type<CanActivate> | CanActivate;

/**
 * `CircuitBreakerModule.forRoot({ admin })` (or `forRootAsync({ admin, ... })`): an HTTP API
 * and a live dashboard to see and steer every circuit. Off unless given.
 *
 * The API can force circuits open and disable them, so it must be guarded: start-up fails
 * unless `guards` holds at least one guard or `public` is `true`.
 *
 * @example
 * CircuitBreakerModule.forRoot({ admin: { guards: [AdminGuard] } })
 * // GET /circuit-breakers, /circuit-breakers/dashboard, POST /circuit-breakers/payments/reset, ...
 */
export interface CircuitBreakerAdminOptions {
  /** Where the API is mounted, under the app's global prefix. Default `'circuit-breakers'`. */
  path?: string;
  /**
   * Guards for every admin route, the event stream included; the dashboard page itself (the same
   * static page for everyone, no data) is served without them, and authenticates its requests
   * (a session cookie, or a bearer token it asks for: see `AdminTokenGuard`). A guard class is
   * built in the circuit-breaker module: what it injects must be global or exported to it.
   */
  guards?: CircuitBreakerAdminGuard[];
  /**
   * `true` serves the API without a guard of its own (global guards still apply). Only for a
   * network that already keeps strangers out, such as a demo on loopback.
   */
  public?: boolean;
  /**
   * How often the event stream checks the circuits' figures and sends those that moved, in
   * milliseconds. Default `1_000`. State changes are sent as they happen.
   */
  statsIntervalMs?: number;
}
