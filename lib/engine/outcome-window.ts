import type { WindowSnapshot } from './circuit-snapshot.js';

/** Calls, failures and slow calls in a circuit's window, as the rate rules read them. */
export interface WindowTotals {
  calls: number;
  failures: number;
  slow: number;
}

/**
 * The calls a circuit's rate rules look at: over the last `windowMs` (`RollingWindow`), or the
 * last `windowSize` calls (`CountWindow`). Both are O(1) per call and allocate nothing.
 */
export interface OutcomeWindow {
  /**
   * Counts a call that settled now. Returns true when older calls left the window to make room:
   * the rates may have risen since the last call.
   */
  record(failed: boolean, slow: boolean): boolean;
  /** Calls in the window just after a call was recorded. */
  readonly recordedCalls: number;
  /** The window's totals now. */
  totals(): WindowTotals;
  clear(): void;
  /** The window's calls now, as plain JSON. */
  snapshot(): WindowSnapshot;
  /**
   * Takes the calls of `snapshot`, taken `elapsedMs` ago, when it is a window of the same kind
   * and length; returns false, and keeps the window empty, when it is not.
   */
  restore(snapshot: WindowSnapshot, elapsedMs: number): boolean;
}
