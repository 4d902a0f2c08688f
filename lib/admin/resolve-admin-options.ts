import { MAX_TIMER_MS } from '../engine/clock.js';
import type {
  CircuitBreakerAdminGuard,
  CircuitBreakerAdminOptions,
} from './circuit-breaker-admin-options.interface.js';
import {
  DEFAULT_ADMIN_PATH,
  DEFAULT_STATS_INTERVAL_MS,
} from './circuit-breaker-admin.constants.js';

/** The admin options with their defaults, checked. */
export interface ResolvedAdminOptions {
  readonly path: string;
  readonly guards: readonly CircuitBreakerAdminGuard[];
  readonly statsIntervalMs: number;
}

/**
 * Checks `admin` and fills in the defaults. Called by `forRoot()` / `forRootAsync()` itself,
 * so a mistake stops the application before it starts, with a message that says what to do.
 */
export function resolveAdminOptions(admin: CircuitBreakerAdminOptions): ResolvedAdminOptions {
  if (typeof admin !== 'object' || admin === null) {
    throw adminError(
      `admin must be an object such as { guards: [AdminGuard] }, got ${show(admin)}`,
    );
  }
  const {
    path = DEFAULT_ADMIN_PATH,
    guards = [],
    statsIntervalMs = DEFAULT_STATS_INTERVAL_MS,
  } = admin;
  if (typeof path !== 'string' || path.trim() === '') {
    throw adminError(`admin.path must be a non-empty string, got ${show(path)}`);
  }
  if (!Array.isArray(guards) || !guards.every(isGuard)) {
    throw adminError('admin.guards must be an array of guard classes or guard instances');
  }
  if (admin.public !== undefined && typeof admin.public !== 'boolean') {
    throw adminError(`admin.public must be true or false, got ${show(admin.public)}`);
  }
  if (
    typeof statsIntervalMs !== 'number' ||
    !(statsIntervalMs >= 10) ||
    statsIntervalMs > MAX_TIMER_MS
  ) {
    throw adminError(
      `admin.statsIntervalMs must be a number of milliseconds ≥ 10, got ${show(statsIntervalMs)}`,
    );
  }
  if (guards.length === 0 && admin.public !== true) {
    throw adminError(
      'the admin API resets, forces open and disables circuits, so it needs a guard. ' +
        'Add one: `admin: { guards: [MyAdminGuard] }` (any CanActivate, such as your auth guard), ' +
        'or, where the network already keeps strangers out, serve it unguarded on purpose: ' +
        '`admin: { public: true }`.',
    );
  }
  return { path, guards: [...guards], statsIntervalMs };
}

function isGuard(guard: unknown): guard is CircuitBreakerAdminGuard {
  return (
    typeof guard === 'function' ||
    (typeof guard === 'object' &&
      guard !== null &&
      typeof (guard as { canActivate?: unknown }).canActivate === 'function')
  );
}

function adminError(message: string): Error {
  return new Error(`CircuitBreakerModule: ${message}`);
}

function show(value: unknown): string {
  return typeof value === 'string' ? `"${value}"` : String(value);
}
