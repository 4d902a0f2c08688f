import type { WindowSnapshot } from './circuit-snapshot.js';
import type { OutcomeWindow, WindowTotals } from './outcome-window.js';

const FAILED = 1;
const SLOW = 2;

/**
 * The last `size` calls, whenever they were made: a ring of one byte per call (failed, slow),
 * with running totals. Recording a call is O(1); the oldest leaves as the newest comes.
 */
export class CountWindow implements OutcomeWindow {
  private readonly ring: Uint8Array;
  private next = 0;
  private calls = 0;
  private failures = 0;
  private slow = 0;

  constructor(
    size: number,
    private readonly countsSlowCalls: boolean,
  ) {
    this.ring = new Uint8Array(size);
  }

  /**
   * A call replaces the oldest once the window is full, so the totals' denominator never shrinks:
   * a success never raises a rate here. Returns false.
   */
  record(_now: number, failed: boolean, slow: boolean): boolean {
    const ring = this.ring;
    if (this.calls === ring.length) {
      const leaving = ring[this.next]!;
      if (leaving & FAILED) this.failures--;
      if (leaving & SLOW) this.slow--;
    } else this.calls++;
    ring[this.next] = (failed ? FAILED : 0) | (slow ? SLOW : 0);
    if (failed) this.failures++;
    if (slow) this.slow++;
    this.next = this.next + 1 === ring.length ? 0 : this.next + 1;
    return false;
  }

  get recordedCalls(): number {
    return this.calls;
  }

  totals(): WindowTotals {
    return { calls: this.calls, failures: this.failures, slow: this.slow };
  }

  clear(): void {
    this.ring.fill(0);
    this.next = this.calls = this.failures = this.slow = 0;
  }

  snapshot(): WindowSnapshot {
    const { ring, calls, next } = this;
    // Oldest first: once the ring is full, the oldest call is where the next one goes.
    const oldestFirst =
      calls < ring.length
        ? ring.subarray(0, calls)
        : [...ring.subarray(next), ...ring.subarray(0, next)];
    return { type: 'count', size: ring.length, calls: Array.from(oldestFirst) };
  }

  /** Time plays no part: the window holds the last calls, whenever they were made. */
  restore(snapshot: WindowSnapshot): boolean {
    this.clear();
    if (snapshot.type !== 'count' || snapshot.size !== this.ring.length) return false;
    // A slow call of a circuit that no longer watches slowness is an ordinary one.
    const kept = this.countsSlowCalls ? FAILED | SLOW : FAILED;
    for (const call of snapshot.calls)
      this.record(0, (call & kept & FAILED) !== 0, (call & kept & SLOW) !== 0);
    return true;
  }
}
