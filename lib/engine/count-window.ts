import type { WindowSnapshot } from './circuit-snapshot.js';
import type { OutcomeWindow, WindowTotals } from './outcome-window.js';

const FAILED = 1;
const SLOW = 2;
/** Two bits a call, fifteen calls a slot: 30 bits, a small integer V8 keeps unboxed. */
const CALLS_PER_SLOT = 15;

/**
 * The last `size` calls, whenever they were made: a ring of two bits per call (failed, slow),
 * with running totals. Recording a call is O(1) and allocates nothing; the oldest leaves as the
 * newest comes.
 */
export class CountWindow implements OutcomeWindow {
  private readonly slots: number[];
  private next = 0;
  private calls = 0;
  private failures = 0;
  private slow = 0;

  constructor(
    private readonly size: number,
    private readonly countsSlowCalls: boolean,
  ) {
    this.slots = new Array<number>(Math.ceil(size / CALLS_PER_SLOT)).fill(0);
  }

  /**
   * A call replaces the oldest once the window is full, so the totals' denominator never shrinks:
   * a success never raises a rate here. Returns false.
   */
  record(failed: boolean, slow: boolean): boolean {
    const at = this.next;
    const slot = (at / CALLS_PER_SLOT) | 0;
    const shift = (at - slot * CALLS_PER_SLOT) * 2;
    const packed = this.slots[slot]!;
    if (this.calls === this.size) {
      // The call being overwritten leaves the totals (the bits `callAt(at)` reads).
      const leaving = (packed >> shift) & 3;
      if (leaving & FAILED) this.failures--;
      if (leaving & SLOW) this.slow--;
    } else this.calls++;
    const bits = (failed ? FAILED : 0) | (slow ? SLOW : 0);
    this.slots[slot] = (packed & ~(3 << shift)) | (bits << shift);
    if (failed) this.failures++;
    if (slow) this.slow++;
    this.next = at + 1 === this.size ? 0 : at + 1;
    return false;
  }

  get recordedCalls(): number {
    return this.calls;
  }

  totals(): WindowTotals {
    return { calls: this.calls, failures: this.failures, slow: this.slow };
  }

  clear(): void {
    this.slots.fill(0);
    this.next = this.calls = this.failures = this.slow = 0;
  }

  snapshot(): WindowSnapshot {
    // Oldest first: once the window is full, the oldest call is where the next one goes.
    const first = this.calls < this.size ? 0 : this.next;
    const calls: number[] = [];
    for (let i = 0; i < this.calls; i++) calls.push(this.callAt((first + i) % this.size));
    return { type: 'count', size: this.size, calls };
  }

  /** Time plays no part: the window holds the last calls, whenever they were made. */
  restore(snapshot: WindowSnapshot): boolean {
    this.clear();
    if (snapshot.type !== 'count' || snapshot.size !== this.size) return false;
    // A slow call of a circuit that no longer watches slowness is an ordinary one.
    const slow = this.countsSlowCalls ? SLOW : 0;
    for (const call of snapshot.calls) this.record((call & FAILED) !== 0, (call & slow) !== 0);
    return true;
  }

  /** The two bits of the call at `at` in the ring. */
  private callAt(at: number): number {
    const slot = (at / CALLS_PER_SLOT) | 0;
    return (this.slots[slot]! >> ((at - slot * CALLS_PER_SLOT) * 2)) & 3;
  }
}
