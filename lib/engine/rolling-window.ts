import {
  boundariesAreWatched,
  SHORTEST_WATCHED_BUCKET_MS,
  watchBoundary,
  type BoundaryWatcher,
} from './bucket-boundaries.js';
import { MAX_BUCKET_CALLS, type WindowBucket, type WindowSnapshot } from './circuit-snapshot.js';
import { clockNow } from './clock.js';
import type { OutcomeWindow, WindowTotals } from './outcome-window.js';
import { bucketsPassed, endOfBucket } from './time-buckets.js';

const BUCKETS = 10;
/**
 * A bucket's calls and failures share one number: calls × CALL + failures, exact in a double
 * while each stays below 2^26 (67 million). Half the memory of two numbers, and one addition
 * per call.
 */
const CALL = 2 ** 26;
/**
 * A bucket whose calls reach this many (2^26 - 1) has its counts halved, slow calls too: the
 * rates stay. A bucket never holds more than MAX_BUCKET_CALLS, which a snapshot's are checked against.
 */
const MAX_CALLS = MAX_BUCKET_CALLS + 1;

/**
 * Counts calls, failures and (when asked to) slow calls over the last `windowMs`, in a fixed
 * ring of ten time buckets: O(1) per call, no allocation after construction, and small (one
 * array of ten numbers, and a second for slow calls). The window is as precise as one bucket, a
 * tenth of its length: a call leaves it between 0.9 and 1 window after it was made.
 *
 * A call reads the clock only when the newest bucket may have ended: the process-wide
 * boundary timer says when (see `bucket-boundaries`).
 */
export class RollingWindow implements OutcomeWindow, BoundaryWatcher {
  /** Per bucket: calls × CALL + failures. Doubles from the start: no change of kind later. */
  private readonly ring = new Array<number>(BUCKETS).fill(0.5).fill(0);
  /** Per bucket, slow calls, when they are counted. */
  private readonly slowRing: number[] | undefined;
  private readonly bucketMs: number;
  /** When the newest bucket ends (`clockNow()` time), and where it sits in the ring. */
  private newestEndsAt = 0;
  private newestAt = 0;
  /** Calls in the ring, kept as buckets fill and empty: read after every success. */
  private calls = 0;
  /** Whether the newest bucket may have ended: only then is the clock read. */
  private due = true;

  constructor(windowMs: number, countsSlowCalls: boolean) {
    this.slowRing = countsSlowCalls ? new Array<number>(BUCKETS).fill(0) : undefined;
    this.bucketMs = windowMs / BUCKETS;
  }

  /**
   * Counts a call made now. Returns true when older calls left the window to make room: the
   * rates may have risen since the last call. Only a call moves the window on; reads leave it
   * as it is.
   */
  record(failed: boolean, slow: boolean): boolean {
    const left = this.mayHaveEnded() && this.moveTo(clockNow());
    const at = this.newestAt;
    const bucket = (this.ring[at]! += failed ? CALL + 1 : CALL);
    this.calls++;
    if (slow && this.slowRing !== undefined) this.slowRing[at]!++;
    if (bucket >= MAX_CALLS * CALL) this.halve(at);
    return left;
  }

  /** Calls in the window just after a call was recorded. */
  get recordedCalls(): number {
    return this.calls;
  }

  /**
   * Calls, failures and slow calls in the window now: a sum over the buckets still in it. It
   * leaves the window as it is, so that `record()` sees every call that leaves it.
   */
  totals(): WindowTotals {
    const gone = this.bucketsGone();
    const totals = { calls: 0, failures: 0, slow: 0 };
    for (let age = BUCKETS - 1 - gone; age >= 0; age--) {
      const at = this.bucketAt(age);
      // Unpacked bucket by bucket: ten buckets' failures added packed would carry into calls.
      const packed = this.ring[at]!;
      const calls = Math.floor(packed / CALL);
      totals.calls += calls;
      totals.failures += packed - calls * CALL;
      totals.slow += this.slowRing?.[at] ?? 0;
    }
    return totals;
  }

  clear(): void {
    this.ring.fill(0);
    this.slowRing?.fill(0);
    this.calls = 0;
  }

  /** The buckets by age now: the one holding now first, then each older one. */
  snapshot(): WindowSnapshot {
    const gone = this.bucketsGone();
    const buckets: WindowBucket[] = [];
    for (let age = 0; age < BUCKETS; age++) {
      buckets.push(age < gone ? [0, 0, 0] : this.bucket(this.bucketAt(age - gone)));
    }
    return { type: 'time', windowMs: this.windowMs(), buckets };
  }

  /** Each bucket of `snapshot` is as many tenths of the window older as `elapsedMs` makes. */
  restore(snapshot: WindowSnapshot, elapsedMs: number): boolean {
    this.clear();
    if (snapshot.type !== 'time' || snapshot.windowMs !== this.windowMs()) return false;
    this.newestAt = 0;
    this.startBucketAt(endOfBucket(clockNow(), this.bucketMs));
    const aged = Math.round(elapsedMs / this.bucketMs);
    // A checked snapshot's buckets hold no more than a bucket does (see checkCircuitSnapshot).
    for (let age = 0; age + aged < BUCKETS; age++) {
      const [calls, failures, slow] = snapshot.buckets[age]!;
      const at = this.bucketAt(age + aged);
      this.ring[at] = calls * CALL + failures;
      if (this.slowRing !== undefined) this.slowRing[at] = slow;
      this.calls += calls;
    }
    return true;
  }

  boundaryNear(): void {
    this.due = true;
  }

  /** Calls, failures and slow calls of the bucket at `at`. */
  private bucket(at: number): WindowBucket {
    const packed = this.ring[at]!;
    const calls = Math.floor(packed / CALL);
    return [calls, packed - calls * CALL, this.slowRing?.[at] ?? 0];
  }

  /**
   * Halves a bucket's counts, keeping its rates, before they outgrow their share of a number.
   * Slow calls too: left whole, they would outnumber the calls.
   */
  private halve(at: number): void {
    const [calls, failures] = this.bucket(at);
    const kept = Math.floor(calls / 2);
    this.ring[at] = kept * CALL + Math.floor(failures / 2);
    if (this.slowRing !== undefined) this.slowRing[at] = Math.floor(this.slowRing[at]! / 2);
    this.calls -= calls - kept;
  }

  private mayHaveEnded(): boolean {
    return this.due || !boundariesAreWatched();
  }

  /** How many of the oldest buckets are out of the window now: the next call empties them. */
  private bucketsGone(): number {
    if (!this.mayHaveEnded()) return 0;
    const now = clockNow();
    if (now < this.newestEndsAt) return 0;
    return bucketsPassed(endOfBucket(now, this.bucketMs), this.newestEndsAt, this.bucketMs);
  }

  /**
   * Moves the newest bucket forward to the one holding `now`, emptying those that fell out.
   * Returns true when calls left the window.
   */
  private moveTo(now: number): boolean {
    if (now < this.newestEndsAt) return false;
    const endsAt = endOfBucket(now, this.bucketMs);
    const passed = bucketsPassed(endsAt, this.newestEndsAt, this.bucketMs);
    const calls = this.calls;
    if (passed >= BUCKETS) this.clear();
    else {
      for (let step = 0; step < passed; step++) {
        const at = (this.newestAt = (this.newestAt + 1) % BUCKETS);
        this.calls -= Math.floor(this.ring[at]! / CALL);
        this.ring[at] = 0;
        if (this.slowRing !== undefined) this.slowRing[at] = 0;
      }
    }
    this.startBucketAt(endsAt);
    return this.calls < calls;
  }

  /** Makes the bucket ending at `endsAt` the newest, and has its end watched when worth it. */
  private startBucketAt(endsAt: number): void {
    this.newestEndsAt = endsAt;
    if (this.bucketMs >= SHORTEST_WATCHED_BUCKET_MS) {
      this.due = false;
      watchBoundary(this.newestEndsAt, this);
    }
  }

  // Not kept: a field more per circuit, where the bucket's length gives it.
  private windowMs(): number {
    return Math.round(this.bucketMs * BUCKETS * 1e6) / 1e6;
  }

  /** Where in the ring the bucket `age` buckets older than the newest is. */
  private bucketAt(age: number): number {
    return (this.newestAt + BUCKETS - age) % BUCKETS;
  }
}
