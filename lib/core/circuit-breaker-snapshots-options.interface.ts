import type { CircuitRegistrySnapshot } from '../engine/circuit-snapshot.js';

/**
 * `CircuitBreakerModule.forRoot({ snapshots })`: the circuits carried over a restart. The module
 * restores what `load` gives at start-up and hands `save` a snapshot every `saveIntervalMs` and
 * once more as the application shuts down (`app.close()`, or a signal after
 * `app.enableShutdownHooks()`), so that a crash loses at most one period.
 */
export interface CircuitBreakerSnapshotsOptions {
  /**
   * Writes a snapshot (a file, a key…). A save that throws or rejects is logged; the next one
   * tries again. Saves never overlap: one due while another runs is skipped.
   */
  save: (snapshot: CircuitRegistrySnapshot) => void | Promise<void>;
  /**
   * Reads the last snapshot at start-up: `null` or `undefined` when there is none. One that
   * fails, or that `restore()` refuses (another version, a damaged file), is logged and the
   * circuits start closed: a bad snapshot never stops the application.
   */
  load?: () =>
    | CircuitRegistrySnapshot
    | null
    | undefined
    | Promise<CircuitRegistrySnapshot | null | undefined>;
  /** How often to save while running, in ms (default 30 000); `0`: only at shutdown. */
  saveIntervalMs?: number;
}
