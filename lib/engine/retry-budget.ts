import { bucketsPassed, endOfBucket } from './time-buckets.js';

const BUCKETS = 10;
/** Room for rounding: 0.29 × 100 is 28.999999999999996, and allows 29. */
const EPSILON = 1e-9;

/**
 * How many retries a circuit may still make: over its rolling window, at most `ratio` of the
 * first attempts, plus `minRetries` (a floor, so that a circuit with little traffic can retry at
 * all). A failing dependency then gets at most about 1 + ratio times its normal traffic, never
 * attempts times it. Ten buckets of first attempts and retries: O(1) per call.
 */
export class RetryBudget {
  private readonly firsts = new Uint32Array(BUCKETS);
  private readonly retries = new Uint32Array(BUCKETS);
  private readonly bucketMs: number;
  private newest = 0;
  private newestEndsAt = 0;

  constructor(
    windowMs: number,
    private readonly ratio: number,
    private readonly minRetries: number,
  ) {
    this.bucketMs = windowMs / BUCKETS;
  }

  /** Counts a call's first attempt at `now` (the monotonic clock). */
  firstAttempt(now: number): void {
    this.move(now);
    this.firsts[this.newest]!++;
  }

  /** Takes a retry from the budget at `now`; false when the budget is spent. */
  tryRetry(now: number): boolean {
    this.move(now);
    let firsts = 0;
    let retries = 0;
    for (let i = 0; i < BUCKETS; i++) {
      firsts += this.firsts[i]!;
      retries += this.retries[i]!;
    }
    // One more retry must fit: at most ratio × first attempts + minRetries in all.
    if (retries + 1 > this.ratio * firsts + this.minRetries + EPSILON) return false;
    this.retries[this.newest]!++;
    return true;
  }

  /** Forgets every first attempt and retry (the circuit's `reset()`). */
  clear(): void {
    this.firsts.fill(0);
    this.retries.fill(0);
  }

  private move(now: number): void {
    if (now < this.newestEndsAt) return;
    const endsAt = endOfBucket(now, this.bucketMs);
    const passed = Math.min(BUCKETS, bucketsPassed(endsAt, this.newestEndsAt, this.bucketMs));
    for (let step = 0; step < passed; step++) {
      this.newest = (this.newest + 1) % BUCKETS;
      this.firsts[this.newest] = this.retries[this.newest] = 0;
    }
    this.newestEndsAt = endsAt;
  }
}
