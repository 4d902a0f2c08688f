const BUCKETS = 10;

export interface WindowTotals {
  calls: number;
  failures: number;
  slow: number;
}

/**
 * Counts calls, failures and (when asked to) slow calls over the last `windowMs`, in a fixed
 * ring of ten time buckets, with running totals: O(1) per call and per read, no allocation
 * after construction, and small (one array of small integers). The window is as precise as one
 * bucket, a tenth of its length: a call leaves it between 0.9 and 1 window after it was made.
 */
export class RollingWindow {
  /** Per bucket: calls, failures, then slow calls when those are counted. */
  private readonly ring: number[];
  private readonly bucketMs: number;
  /** When the newest bucket ends, and where it sits in the ring. */
  private newestEndsAt = 0;
  private newestAt = 0;
  /** Sums over the ring, kept as buckets fill and empty. */
  private calls = 0;
  private failures = 0;
  private slow = 0;

  constructor(windowMs: number, countsSlowCalls: boolean) {
    this.ring = new Array<number>(BUCKETS * (countsSlowCalls ? 3 : 2)).fill(0);
    this.bucketMs = windowMs / BUCKETS;
  }

  /** Counts a call made at `now` (a time that only moves forward; see `clockNow`). */
  record(now: number, failed: boolean, slow: boolean): void {
    if (now >= this.newestEndsAt) this.advance(now);
    const ring = this.ring;
    const at = this.newestAt;
    ring[at]++;
    this.calls++;
    if (failed) {
      ring[at + 1]++;
      this.failures++;
    }
    if (slow && ring.length === BUCKETS * 3) {
      ring[at + 2]++;
      this.slow++;
    }
  }

  /** Calls in the window at `now`. */
  callsAt(now: number): number {
    if (now >= this.newestEndsAt) this.advance(now);
    return this.calls;
  }

  /** Calls, failures and slow calls in the window at `now`. */
  totals(now: number): WindowTotals {
    if (now >= this.newestEndsAt) this.advance(now);
    return { calls: this.calls, failures: this.failures, slow: this.slow };
  }

  clear(): void {
    this.ring.fill(0);
    this.calls = this.failures = this.slow = 0;
  }

  /** Moves the newest bucket forward to the one holding `now`, emptying those that fell out. */
  private advance(now: number): void {
    const { ring, bucketMs } = this;
    const columns = ring.length / BUCKETS;
    const endsAt = (Math.floor(now / bucketMs) + 1) * bucketMs;
    const passed = Math.round((endsAt - this.newestEndsAt) / bucketMs);
    if (passed >= BUCKETS) this.clear();
    else {
      for (let step = 0; step < passed; step++) {
        const at = (this.newestAt = (this.newestAt + columns) % ring.length);
        this.calls -= ring[at];
        this.failures -= ring[at + 1];
        if (columns === 3) this.slow -= ring[at + 2];
        ring.fill(0, at, at + columns);
      }
    }
    this.newestEndsAt = endsAt;
  }
}
