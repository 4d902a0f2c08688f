import { isSharedCircuitState } from '../engine/circuit-state.js';
import { MAX_TIMER_MS } from '../engine/clock.js';
import type { CircuitStore } from './circuit-store.interface.js';

/** How far past a circuit's longest open duration a record's openUntil may be: replicas' clocks differ. */
export const OPEN_UNTIL_SLACK_MS = 60_000;

/** How far ahead of this replica's clock a record's version may be: clocks of machines differ. */
export const MAX_CLOCK_SKEW_MS = 24 * 60 * 60 * 1000;

/**
 * Why `value` is not a record a circuit may adopt, or `undefined` when it is one. Every field
 * is checked for its type and range: a record that another replica, an old version or a
 * person wrote by hand may hold anything.
 */
export function invalidRecordReason(value: unknown, now = Date.now()): string | undefined {
  if (typeof value !== 'object' || value === null) return 'not an object';
  const record = value as Record<string, unknown>;
  if (typeof record.circuit !== 'string' || record.circuit === '') return 'no circuit name';
  if (!isSharedCircuitState(record.state))
    return `state ${show(record.state)} is not one a store shares`;
  const { openUntil, version, manual } = record;
  if (typeof openUntil !== 'number' || !Number.isFinite(openUntil) || openUntil < 0) {
    return `openUntil ${show(openUntil)} is not a time`;
  }
  // The longest a circuit can be open is `MAX_TIMER_MS`, the largest `maxResetTimeoutMs` an
  // option takes. The sharing checks each record against its own circuit's, tighter, cap.
  if (openUntil > now + MAX_TIMER_MS + MAX_CLOCK_SKEW_MS) {
    return `openUntil ${show(openUntil)} is further away than any circuit stays open`;
  }
  if (manual !== undefined && typeof manual !== 'boolean')
    return `manual ${show(manual)} is not a boolean`;
  if (!Number.isSafeInteger(version) || (version as number) < 1) {
    return `version ${show(version)} is not a whole number ≥ 1`;
  }
  if ((version as number) > now + MAX_CLOCK_SKEW_MS) {
    return `version ${show(version)} is more than a day ahead of this replica's clock`;
  }
  return undefined;
}

/** A version for a record saved at `now` after one of `previous`: later than both, whole. */
export function nextVersion(previous: number | undefined, now: number): number {
  const after =
    previous !== undefined && Number.isSafeInteger(previous) && previous <= now + MAX_CLOCK_SKEW_MS
      ? previous + 1
      : 1;
  return Math.max(Math.floor(now), after);
}

/** Checks that `store` has every member a `CircuitStore` needs, naming those it lacks. */
export function assertCircuitStore(store: unknown): asserts store is CircuitStore {
  const members = ['connect', 'load', 'save', 'acquire', 'disconnect'] as const;
  if (typeof store !== 'object' || store === null) {
    throw new TypeError(
      `CircuitBreakerModule: store must be a CircuitStore (such as new RedisCircuitStore(redis)), got ${show(store)}`,
    );
  }
  const missing = members.filter(
    (member) => typeof (store as Record<string, unknown>)[member] !== 'function',
  );
  if (missing.length > 0) {
    throw new TypeError(
      `CircuitBreakerModule: store must be a CircuitStore; it has no ${missing.map((m) => `${m}()`).join(', ')} ` +
        '(implement every member of CircuitStore, or use RedisCircuitStore or InMemoryCircuitStore)',
    );
  }
}

function show(value: unknown): string {
  if (typeof value === 'string')
    return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === 'object' && value !== null)
    return Array.isArray(value) ? 'an array' : 'an object';
  return String(value);
}
