import { bucketsPassed, endOfBucket } from './time-buckets.js';
/** Call durations over the rolling window, as `stats().latency` shows them. Milliseconds. */
export interface LatencySummary {
  /**
   * Calls that ran in the window (refusals did not). Exact while every call is timed; counted
   * from the sample when only some are (see `LatencyHistogram`).
   */
  calls: number;
  meanMs: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  maxMs: number;
}

// Log-linear bins: each bin's upper bound is GROWTH times its lower one, from MIN_MS to MAX_MS.
// A percentile is read as its bin's geometric middle, within √GROWTH − 1 = 4.9 % of the true
// value for any latency in that range. Shorter calls fall in the first bin, longer in the last.
const MIN_MS = 0.1;
const MAX_MS = 60_000;
const GROWTH = 1.1;
const LOG_GROWTH = Math.log(GROWTH);
const BINS = Math.ceil(Math.log(MAX_MS / MIN_MS) / LOG_GROWTH); // 140
/**
 * The window is kept in this many slices: a call leaves it between 2/3 and 1 window after it.
 * Three keep a circuit with latency, a rate window and a slow-call window under 2 KB.
 */
const SLICES = 3;
/** Per slice: calls (each sample weighing the calls it stands for), sum of durations, longest, samples. */
const META = 4;
/**
 * Timed calls per slice before the sampling stride doubles; a slice that ends with fewer than a
 * quarter of this halves it. Over a thousand durations per slice put p99 within a bin or two.
 */
const SAMPLES_PER_SLICE = 1_024;
/** At most one call in this many is timed, on average. */
const MAX_STRIDE = 64;
/** A bin count saturates here (16 bits); all counts are then halved, keeping their proportions. */
const MAX_COUNT = 0xffff;

/**
 * The durations of the calls of one circuit over its rolling window, in a fixed structure:
 * three time slices of 140 bins of 16-bit counts (840 bytes) and a few numbers per slice.
 * Recording a call is O(1) and allocates nothing; reading the percentiles is O(bins).
 * Percentiles are within 5 % of the exact ones for latencies from 0.1 ms to 60 s.
 *
 * Timing a call costs two readings of the clock, as much as the rest of a call through a closed
 * circuit. When nothing needs every call's duration, `takesNext()` samples: every call while
 * fewer than `SAMPLES_PER_SLICE` are timed per slice, then one in 2, 4… up to 64, at random
 * (a fixed stride would alias with calls that alternate). Each sample weighs the calls it stands
 * for, so counts stay counts of calls; the longest is the longest sampled.
 */
export class LatencyHistogram {
  // One buffer for both views: a second buffer would cost more than its numbers.
  private readonly meta = new Float64Array(SLICES * META + Math.ceil((SLICES * BINS) / 4));
  private readonly bins = new Uint16Array(this.meta.buffer, SLICES * META * 8, SLICES * BINS);
  private readonly sliceMs: number;
  /** When the newest slice ends, and which it is. */
  private newestEndsAt = 0;
  private newest = 0;
  /**
   * Which calls are timed: every one, a sample, or none (nothing reads durations any more; what
   * was measured stays, for `stats()`). The circuit sets it.
   */
  timing: 'every' | 'sample' | 'none' = 'every';
  /** One call in `stride` is timed, on average, when sampling; `countdown` calls to the next. */
  private stride = 1;
  private countdown = 1;

  constructor(windowMs: number) {
    this.sliceMs = windowMs / SLICES;
  }

  /** Whether to time the next call. */
  takesNext(): boolean {
    const timing = this.timing;
    if (timing !== 'sample') return timing === 'every';
    if (--this.countdown > 0) return false;
    const stride = this.stride;
    // 1 to 2 × stride − 1 calls to the next sample: one in `stride` on average.
    this.countdown = stride === 1 ? 1 : 1 + Math.floor(Math.random() * (2 * stride - 1));
    return true;
  }

  /** How many calls a call timed now stands for (1 while every call is timed). */
  get weight(): number {
    return this.timing === 'sample' ? this.stride : 1;
  }

  /**
   * Counts a call that took `durationMs`, settled at `now` (the monotonic clock, only forward),
   * standing for `weight` calls.
   */
  record(now: number, durationMs: number, weight = 1): void {
    if (now >= this.newestEndsAt) this.advance(now);
    const at = this.newest * BINS + binOf(durationMs);
    const bins = this.bins;
    if (bins[at]! > MAX_COUNT - weight) this.halve();
    bins[at]! += weight;
    const meta = this.meta;
    const m = this.newest * META;
    meta[m]! += weight;
    meta[m + 1]! += durationMs * weight;
    if (durationMs > meta[m + 2]!) meta[m + 2] = durationMs;
    if (++meta[m + 3]! % SAMPLES_PER_SLICE === 0 && this.stride < MAX_STRIDE) this.stride *= 2;
  }

  /** The window's calls at `now`, or `null` when none was measured. */
  summary(now: number): LatencySummary | null {
    const { calls, sum, max, weight, counts } = this.collect(now);
    if (calls === 0 || weight === 0) return null;
    const percentile = (p: number) => Math.min(max, valueAt(counts, weight * p));
    return {
      calls,
      meanMs: round(sum / calls),
      p50Ms: round(percentile(0.5)),
      p90Ms: round(percentile(0.9)),
      p99Ms: round(percentile(0.99)),
      maxMs: round(max),
    };
  }

  /** The `p` percentile (in (0, 1)) of the window's calls at `now`, and how many there are. */
  percentile(now: number, p: number): { calls: number; valueMs: number } {
    const { calls, max, weight, counts } = this.collect(now);
    return { calls, valueMs: weight === 0 ? 0 : Math.min(max, valueAt(counts, weight * p)) };
  }

  clear(): void {
    this.bins.fill(0);
    this.meta.fill(0);
  }

  /** The live slices' counts, added up. */
  private collect(now: number) {
    let calls = 0;
    let sum = 0;
    let max = 0;
    let weight = 0;
    const counts = new Float64Array(BINS);
    for (const slice of this.liveSlices(now)) {
      const m = slice * META;
      calls += this.meta[m]!;
      sum += this.meta[m + 1]!;
      max = Math.max(max, this.meta[m + 2]!);
      for (let bin = 0; bin < BINS; bin++) {
        const count = this.bins[slice * BINS + bin]!;
        counts[bin]! += count;
        weight += count;
      }
    }
    return { calls, sum, max, weight, counts };
  }

  /** Moves the newest slice forward to the one holding `now`, emptying those that fell out. */
  private advance(now: number): void {
    const endsAt = endOfBucket(now, this.sliceMs);
    const passed = bucketsPassed(endsAt, this.newestEndsAt, this.sliceMs);
    // Few samples in the slice just ended: time more calls; after a quiet spell, all of them.
    if (passed > 1) this.stride = 1;
    else if (this.meta[this.newest * META + 3]! < SAMPLES_PER_SLICE / 4 && this.stride > 1)
      this.stride /= 2;
    this.countdown = Math.min(this.countdown, this.stride);
    if (passed >= SLICES) this.clear();
    else {
      for (let step = 0; step < passed; step++) {
        this.newest = (this.newest + 1) % SLICES;
        this.bins.fill(0, this.newest * BINS, (this.newest + 1) * BINS);
        this.meta.fill(0, this.newest * META, (this.newest + 1) * META);
      }
    }
    this.newestEndsAt = endsAt;
  }

  /** The slices still in the window at `now`, newest first. */
  private liveSlices(now: number): number[] {
    const gone =
      now >= this.newestEndsAt
        ? bucketsPassed(endOfBucket(now, this.sliceMs), this.newestEndsAt, this.sliceMs)
        : 0;
    const live: number[] = [];
    for (let age = 0; age < SLICES - gone; age++) live.push((this.newest - age + SLICES) % SLICES);
    return live;
  }

  // Keeps the proportions, which is all the percentiles read; exact counts live in `meta`.
  private halve(): void {
    const bins = this.bins;
    for (let i = 0; i < bins.length; i++) bins[i] = bins[i]! >>> 1;
  }
}

function binOf(durationMs: number): number {
  if (!(durationMs > MIN_MS)) return 0;
  return Math.min(BINS - 1, Math.floor(Math.log(durationMs / MIN_MS) / LOG_GROWTH));
}

/** The middle, geometrically, of the bin where the cumulative count passes `rank`. */
function valueAt(counts: Float64Array, rank: number): number {
  let seen = 0;
  for (let bin = 0; bin < BINS; bin++) {
    seen += counts[bin]!;
    if (seen >= rank && counts[bin]! > 0) return MIN_MS * GROWTH ** (bin + 0.5);
  }
  return MAX_MS;
}

const round = (ms: number) => Math.round(ms * 1000) / 1000;
