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

  constructor(size: number) {
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
}
