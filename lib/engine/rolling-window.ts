import {
  boundariesAreWatched,
  SHORTEST_WATCHED_BUCKET_MS,
  watchBoundary,
  type BoundaryWatcher,
} from './bucket-boundaries.js';
import type { WindowBucket, WindowSnapshot } from './circuit-snapshot.js';
import { clockNow } from './clock.js';
import type { OutcomeWindow, WindowTotals } from './outcome-window.js';

const BUCKETS = 10;

/**
 * Counts calls, failures and (when asked to) slow calls over the last `windowMs`, in a fixed
 * ring of ten time buckets: O(1) per call, no allocation after construction, and small (one
 * array of small integers). The window is as precise as one bucket, a tenth of its length: a
 * call leaves it between 0.9 and 1 window after it was made.
 *
 * A call reads the clock only when the newest bucket may have ended: the process-wide
 * boundary timer says when (see `bucket-boundaries`).
 */
export class RollingWindow implements OutcomeWindow, BoundaryWatcher {
  /** Per bucket: calls, failures, then slow calls when those are counted. */
  private readonly ring: number[];
  private readonly bucketMs: number;
  /** When the newest bucket ends (`clockNow()` time), and where it sits in the ring. */
  private newestEndsAt = 0;
  private newestAt = 0;
  /** Calls in the ring, kept as buckets fill and empty: read after every success. */
  private calls = 0;
  /** Whether the newest bucket may have ended: only then is the clock read. */
  private due = true;

  constructor(windowMs: number, countsSlowCalls: boolean) {
    this.ring = new Array<number>(BUCKETS * (countsSlowCalls ? 3 : 2)).fill(0);
    this.bucketMs = windowMs / BUCKETS;
  }

  /**
   * Counts a call made now. Returns true when older calls left the window to make room: the
   * rates may have risen since the last call. Only a call moves the window on; reads leave it
   * as it is.
   */
  record(failed: boolean, slow: boolean): boolean {
    const left = this.mayHaveEnded() && this.moveTo(clockNow());
    const ring = this.ring;
    const at = this.newestAt;
    ring[at]++;
    this.calls++;
    if (failed) ring[at + 1]++;
    if (slow && ring.length === BUCKETS * 3) ring[at + 2]++;
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
    const ring = this.ring;
    const gone = this.bucketsGone();
    const totals = { calls: 0, failures: 0, slow: 0 };
    for (let age = BUCKETS - 1 - gone; age >= 0; age--) {
      const at = this.bucketAt(age);
      totals.calls += ring[at];
      totals.failures += ring[at + 1];
      totals.slow += this.slowAt(at);
    }
    return totals;
  }

  clear(): void {
    this.ring.fill(0);
    this.calls = 0;
  }

  /** The buckets by age now: the one holding now first, then each older one. */
  snapshot(): WindowSnapshot {
    const gone = this.bucketsGone();
    const buckets: WindowBucket[] = [];
    for (let age = 0; age < BUCKETS; age++) {
      const at = age < gone ? -1 : this.bucketAt(age - gone);
      buckets.push(at === -1 ? [0, 0, 0] : [this.ring[at]!, this.ring[at + 1]!, this.slowAt(at)]);
    }
    return { type: 'time', windowMs: this.windowMs(), buckets };
  }

  /** Each bucket of `snapshot` is as many tenths of the window older as `elapsedMs` makes. */
  restore(snapshot: WindowSnapshot, elapsedMs: number): boolean {
    this.clear();
    if (snapshot.type !== 'time' || snapshot.windowMs !== this.windowMs()) return false;
    this.newestAt = 0;
    this.startBucketAt(clockNow());
    const aged = Math.round(elapsedMs / this.bucketMs);
    const ring = this.ring;
    for (let age = 0; age + aged < BUCKETS; age++) {
      const [calls, failures, slow] = snapshot.buckets[age]!;
      const at = this.bucketAt(age + aged);
      ring[at] = calls;
      ring[at + 1] = failures;
      if (ring.length === BUCKETS * 3) ring[at + 2] = slow;
      this.calls += calls;
    }
    return true;
  }

  boundaryNear(): void {
    this.due = true;
  }

  private mayHaveEnded(): boolean {
    return this.due || !boundariesAreWatched();
  }

  /** How many of the oldest buckets are out of the window now: the next call empties them. */
  private bucketsGone(): number {
    if (!this.mayHaveEnded()) return 0;
    const now = clockNow();
    return now >= this.newestEndsAt ? this.bucketsPassed(now) : 0;
  }

  /**
   * Moves the newest bucket forward to the one holding `now`, emptying those that fell out.
   * Returns true when calls left the window.
   */
  private moveTo(now: number): boolean {
    if (now < this.newestEndsAt) return false;
    const ring = this.ring;
    const columns = ring.length / BUCKETS;
    const passed = this.bucketsPassed(now);
    const calls = this.calls;
    if (passed >= BUCKETS) this.clear();
    else {
      for (let step = 0; step < passed; step++) {
        const at = (this.newestAt = (this.newestAt + columns) % ring.length);
        this.calls -= ring[at];
        ring.fill(0, at, at + columns);
      }
    }
    this.startBucketAt(now);
    return this.calls < calls;
  }

  /** Makes the bucket holding `now` the newest, and has its end watched when worth it. */
  private startBucketAt(now: number): void {
    this.newestEndsAt = this.endOfBucket(now);
    if (this.bucketMs >= SHORTEST_WATCHED_BUCKET_MS) {
      this.due = false;
      watchBoundary(this.newestEndsAt, this);
    }
  }

  // Not kept: a field more per circuit, where the bucket's length gives it.
  private windowMs(): number {
    return Math.round(this.bucketMs * BUCKETS * 1e6) / 1e6;
  }

  /** Where in the ring the bucket `age` buckets older than the newest starts. */
  private bucketAt(age: number): number {
    const columns = this.ring.length / BUCKETS;
    return (this.newestAt + this.ring.length - age * columns) % this.ring.length;
  }

  private slowAt(at: number): number {
    return this.ring.length === BUCKETS * 3 ? this.ring[at + 2]! : 0;
  }

  /** How many buckets the newest one moves forward to hold `now`. */
  private bucketsPassed(now: number): number {
    return Math.round((this.endOfBucket(now) - this.newestEndsAt) / this.bucketMs);
  }

  /** When the bucket holding `now` ends. */
  private endOfBucket(now: number): number {
    return (Math.floor(now / this.bucketMs) + 1) * this.bucketMs;
  }
}
