import { MAX_TIMER_MS } from '../engine/clock.js';
import { CircuitOptionsError } from '../engine/errors/circuit-options.error.js';
import type { CircuitBreakerSnapshotsOptions } from './circuit-breaker-snapshots-options.interface.js';
import { isPlainObject } from './resolve-module-options.js';

/** How often a snapshot is saved unless `saveIntervalMs` says otherwise. */
export const DEFAULT_SNAPSHOT_SAVE_INTERVAL_MS = 30_000;

export type ResolvedSnapshotsOptions = Required<Omit<CircuitBreakerSnapshotsOptions, 'load'>> &
  Pick<CircuitBreakerSnapshotsOptions, 'load'>;

/** Checks `snapshots` (a mistake fails start-up, naming the option) and fills in the default. */
export function resolveSnapshotsOptions(snapshots: unknown): ResolvedSnapshotsOptions {
  if (!isPlainObject(snapshots)) {
    throw optionError('snapshots', snapshots, 'an object such as { save, load, saveIntervalMs }');
  }
  const { save, load, saveIntervalMs = DEFAULT_SNAPSHOT_SAVE_INTERVAL_MS } = snapshots;
  for (const key of Object.keys(snapshots)) {
    if (!['save', 'load', 'saveIntervalMs'].includes(key)) {
      throw optionError(`snapshots.${key}`, snapshots[key], 'one of save, load, saveIntervalMs');
    }
  }
  if (typeof save !== 'function') {
    throw optionError('snapshots.save', save, 'a function (snapshot) => void | Promise<void>');
  }
  if (load !== undefined && typeof load !== 'function') {
    throw optionError('snapshots.load', load, 'a function returning the last snapshot, or null');
  }
  if (
    typeof saveIntervalMs !== 'number' ||
    !Number.isSafeInteger(saveIntervalMs) ||
    saveIntervalMs < 0 ||
    saveIntervalMs > MAX_TIMER_MS
  ) {
    throw optionError(
      'snapshots.saveIntervalMs',
      saveIntervalMs,
      `a whole number of ms from 0 (only at shutdown) to ${MAX_TIMER_MS}`,
    );
  }
  return {
    save: save as CircuitBreakerSnapshotsOptions['save'],
    load: load as CircuitBreakerSnapshotsOptions['load'],
    saveIntervalMs,
  };
}

function optionError(option: string, value: unknown, expected: string): CircuitOptionsError {
  return new CircuitOptionsError('', option, value, expected, 'CircuitBreakerModule');
}
