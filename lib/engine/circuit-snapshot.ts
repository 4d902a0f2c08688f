import { CircuitState } from './circuit-state.js';
import type { CircuitStats } from './circuit-stats.js';
import { MAX_TIMER_MS } from './clock.js';
import { CircuitSnapshotError } from './errors/circuit-snapshot.error.js';

/** The snapshot format this version writes, and the only one it restores. */
export const CIRCUIT_SNAPSHOT_VERSION = 1;

/** Calls, failures and slow calls of one tenth of a time window. */
export type WindowBucket = [calls: number, failures: number, slow: number];

/** A `windowType: 'time'` window: its ten buckets, the one holding `takenAt` first. */
export interface TimeWindowSnapshot {
  type: 'time';
  windowMs: number;
  buckets: WindowBucket[];
}

/**
 * A `windowType: 'count'` window: its calls, oldest first, each 0 (a success), 1 (a failure),
 * 2 (a slow success) or 3 (a slow failure).
 */
export interface CountWindowSnapshot {
  type: 'count';
  size: number;
  calls: number[];
}

export type WindowSnapshot = TimeWindowSnapshot | CountWindowSnapshot;

/** The counters `stats()` shows, since the circuit was built or last reset. */
export type SnapshotCounters = Pick<
  CircuitStats,
  'successes' | 'failures' | 'rejections' | 'timeouts' | 'slowCalls' | 'ignored'
>;

/**
 * Where a circuit stood, as plain JSON: what `circuit.snapshot()` returns and `restore()` takes.
 * Times are a duration left and ISO strings, never a clock reading of the process that took it.
 */
export interface CircuitSnapshot {
  version: typeof CIRCUIT_SNAPSHOT_VERSION;
  name: string;
  /** When it was taken: what a restore counts the time passed since from. */
  takenAt: string;
  state: CircuitState;
  /** While open, the milliseconds left before a probe may run; 0 otherwise. */
  openRemainingMs: number;
  /** Probes failed in a row since the circuit last closed: the exponent of `backoffMultiplier`. */
  backoffStep: number;
  consecutiveFailures: number;
  lastFailureAt: string | null;
  counters: SnapshotCounters;
  /** The calls the rate rules look at; null without a rate rule. */
  window: WindowSnapshot | null;
}

/** Every circuit of a registry: what `registry.snapshot()` returns and `registry.restore()` takes. */
export interface CircuitRegistrySnapshot {
  version: typeof CIRCUIT_SNAPSHOT_VERSION;
  takenAt: string;
  circuits: CircuitSnapshot[];
}

const MAX_WINDOW_SIZE = 100_000;
const WINDOW_BUCKETS = 10;
/**
 * The most calls a time bucket holds: the rolling window halves a bucket's counts (rates kept)
 * when it reaches one more. A bucket beyond it is no window's.
 */
export const MAX_BUCKET_CALLS = 2 ** 26 - 2;
/** States in which a circuit keeps its backoff step: it starts afresh at 0 on closing or disabling. */
const BACKING_OFF = new Set<unknown>([
  CircuitState.Open,
  CircuitState.HalfOpen,
  CircuitState.ForcedOpen,
]);
const STATES = new Set<unknown>(Object.values(CircuitState));
const COUNTERS: readonly (keyof SnapshotCounters)[] = [
  'successes',
  'failures',
  'rejections',
  'timeouts',
  'slowCalls',
  'ignored',
];

/**
 * Checks `value` as a circuit snapshot and returns a copy of it, or throws `CircuitSnapshotError`
 * naming the first field at fault. `at` prefixes field names (a registry's `circuits[2].`).
 * Refused: anything no circuit could have written, such as a backoff step in a closed circuit,
 * more timeouts than failures, or a bucket fuller than a bucket holds. What depends on the
 * restoring circuit's options (the largest backoff step) `Circuit.restore()` checks.
 */
export function checkCircuitSnapshot(value: unknown, at = ''): CircuitSnapshot {
  const snapshot = record(value, at || 'snapshot');
  const field = (name: string) => `${at}${name}`;
  checkVersion(snapshot.version, field('version'));
  const name = snapshot.name;
  if (typeof name !== 'string' || name.length === 0) {
    throw new CircuitSnapshotError(field('name'), name, 'a non-empty string');
  }
  const state = snapshot.state as CircuitSnapshot['state'];
  if (!STATES.has(state)) {
    throw new CircuitSnapshotError(field('state'), state, `one of ${[...STATES].join(', ')}`);
  }
  const openRemainingMs = whole(snapshot.openRemainingMs, field('openRemainingMs'));
  // No open period is longer than a timer can wait, as for the options.
  if (openRemainingMs > (state === CircuitState.Open ? MAX_TIMER_MS : 0)) {
    throw new CircuitSnapshotError(
      field('openRemainingMs'),
      openRemainingMs,
      state === CircuitState.Open ? `at most ${MAX_TIMER_MS}` : `0 when the state is ${state}`,
    );
  }
  const backoffStep = whole(snapshot.backoffStep, field('backoffStep'));
  if (backoffStep > 0 && !BACKING_OFF.has(state)) {
    throw new CircuitSnapshotError(
      field('backoffStep'),
      backoffStep,
      `0 when the state is ${state}`,
    );
  }
  const counters = checkCounters(record(snapshot.counters, field('counters')), field);
  const consecutiveFailures = whole(snapshot.consecutiveFailures, field('consecutiveFailures'));
  // Each failure in a row was counted as a failure, and reset() clears both.
  if (consecutiveFailures > counters.failures) {
    throw new CircuitSnapshotError(
      field('consecutiveFailures'),
      consecutiveFailures,
      `at most counters.failures (${counters.failures})`,
    );
  }
  return {
    version: CIRCUIT_SNAPSHOT_VERSION,
    name,
    takenAt: isoTime(snapshot.takenAt, field('takenAt')),
    state,
    openRemainingMs,
    backoffStep,
    consecutiveFailures,
    lastFailureAt:
      snapshot.lastFailureAt === null
        ? null
        : isoTime(snapshot.lastFailureAt, field('lastFailureAt')),
    counters,
    window: snapshot.window === null ? null : checkWindow(snapshot.window, field('window')),
  };
}

/** The counters, each an integer ≥ 0, timeouts among the failures, slow calls among the calls. */
function checkCounters(
  given: Record<string, unknown>,
  field: (name: string) => string,
): SnapshotCounters {
  const counters = Object.fromEntries(
    COUNTERS.map((counter) => [counter, whole(given[counter], field(`counters.${counter}`))]),
  ) as unknown as SnapshotCounters;
  const { successes, failures, ignored, timeouts, slowCalls } = counters;
  if (timeouts > failures) {
    throw new CircuitSnapshotError(
      field('counters.timeouts'),
      timeouts,
      `at most counters.failures (${failures}): a timeout is a failure`,
    );
  }
  // Refusals run nothing, so are never slow.
  const ran = successes + failures + ignored;
  if (slowCalls > ran) {
    throw new CircuitSnapshotError(
      field('counters.slowCalls'),
      slowCalls,
      `at most the calls counted (${ran}): successes, failures and ignored`,
    );
  }
  return counters;
}

/** Checks `value` as a registry snapshot and returns a copy: every circuit checked, no name twice. */
export function checkRegistrySnapshot(value: unknown): CircuitRegistrySnapshot {
  const snapshot = record(value, 'snapshot');
  checkVersion(snapshot.version, 'version');
  const takenAt = isoTime(snapshot.takenAt, 'takenAt');
  if (!Array.isArray(snapshot.circuits)) {
    throw new CircuitSnapshotError('circuits', snapshot.circuits, 'an array of circuit snapshots');
  }
  const names = new Set<string>();
  const circuits = snapshot.circuits.map((circuit, index) => {
    const checked = checkCircuitSnapshot(circuit, `circuits[${index}].`);
    if (names.has(checked.name)) {
      throw new CircuitSnapshotError(
        `circuits[${index}].name`,
        checked.name,
        'a name no other circuit has',
      );
    }
    names.add(checked.name);
    return checked;
  });
  return { version: CIRCUIT_SNAPSHOT_VERSION, takenAt, circuits };
}

function checkWindow(value: unknown, at: string): WindowSnapshot {
  const window = record(value, at);
  if (window.type === 'time') {
    const windowMs = window.windowMs;
    if (!(typeof windowMs === 'number' && windowMs > 0 && windowMs <= MAX_TIMER_MS)) {
      throw new CircuitSnapshotError(`${at}.windowMs`, windowMs, 'a number of milliseconds > 0');
    }
    const buckets = list(window.buckets, `${at}.buckets`, WINDOW_BUCKETS, WINDOW_BUCKETS);
    return {
      type: 'time',
      windowMs,
      buckets: buckets.map((bucket, index) => checkBucket(bucket, `${at}.buckets[${index}]`)),
    };
  }
  if (window.type === 'count') {
    const size = whole(window.size, `${at}.size`);
    if (size < 1 || size > MAX_WINDOW_SIZE) {
      throw new CircuitSnapshotError(`${at}.size`, size, `an integer in [1, ${MAX_WINDOW_SIZE}]`);
    }
    const calls = list(window.calls, `${at}.calls`, 0, size);
    calls.forEach((call, index) => {
      if (call !== 0 && call !== 1 && call !== 2 && call !== 3) {
        throw new CircuitSnapshotError(`${at}.calls[${index}]`, call, '0, 1, 2 or 3');
      }
    });
    return { type: 'count', size, calls: calls as number[] };
  }
  throw new CircuitSnapshotError(`${at}.type`, window.type, "'time' or 'count'");
}

function checkBucket(value: unknown, at: string): WindowBucket {
  const [calls, failures, slow] = list(value, at, 3, 3).map((n, i) => whole(n, `${at}[${i}]`));
  if (calls! > MAX_BUCKET_CALLS) {
    throw new CircuitSnapshotError(
      `${at}[0]`,
      calls,
      `at most ${MAX_BUCKET_CALLS} (what a bucket holds)`,
    );
  }
  if (failures! > calls! || slow! > calls!) {
    throw new CircuitSnapshotError(at, value, '[calls, failures, slow], neither above calls');
  }
  return [calls!, failures!, slow!];
}

function checkVersion(version: unknown, at: string): void {
  if (version === CIRCUIT_SNAPSHOT_VERSION) return;
  const which =
    typeof version !== 'number'
      ? ''
      : version < CIRCUIT_SNAPSHOT_VERSION
        ? ' (an older version of nestjs-circuit-breaker took it: take a new snapshot)'
        : ' (a newer version of nestjs-circuit-breaker took it)';
  throw new CircuitSnapshotError(at, version, `${CIRCUIT_SNAPSHOT_VERSION}${which}`);
}

function record(value: unknown, at: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new CircuitSnapshotError(at, value, 'an object');
  }
  return value as Record<string, unknown>;
}

function list(value: unknown, at: string, min: number, max: number): unknown[] {
  if (!Array.isArray(value) || value.length < min || value.length > max) {
    const length = min === max ? `${min}` : `${min} to ${max}`;
    throw new CircuitSnapshotError(at, value, `an array of ${length} entries`);
  }
  return value;
}

function whole(value: unknown, at: string): number {
  if (!(Number.isSafeInteger(value) && (value as number) >= 0)) {
    throw new CircuitSnapshotError(at, value, 'an integer ≥ 0');
  }
  return value as number;
}

function isoTime(value: unknown, at: string): string {
  if (typeof value !== 'string' || !Number.isFinite(Date.parse(value))) {
    throw new CircuitSnapshotError(at, value, 'an ISO 8601 time');
  }
  return value;
}
