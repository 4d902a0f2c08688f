import { inspect } from 'node:util';

/**
 * A snapshot cannot be restored: it is not one this version reads, or a value in it is wrong.
 * Nothing of it was applied.
 */
export class CircuitSnapshotError extends Error {
  constructor(
    /** Where in the snapshot the fault is: `window.buckets[3]`, `circuits[2].state`… */
    readonly field: string,
    /** The value found there. */
    readonly value: unknown,
    /** What a valid value looks like. */
    expected: string,
  ) {
    super(
      `Cannot restore from this snapshot: "${field}" must be ${expected}, got ${inspect(value, { depth: 1, breakLength: Infinity })}`,
    );
    this.name = 'CircuitSnapshotError';
  }
}
