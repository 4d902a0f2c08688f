// The arithmetic of the time rings (the rolling window, the retry budget, the latency
// histogram): buckets of one length aligned on its multiples, so that every ring of that length
// agrees on where they start and end. A leaf: it imports nothing.

/** When the bucket of `bucketMs` holding `now` ends. */
export function endOfBucket(now: number, bucketMs: number): number {
  return (Math.floor(now / bucketMs) + 1) * bucketMs;
}

/**
 * How many buckets a ring's newest one, ending at `newestEndsAt`, moves forward to end at
 * `endsAt` instead. Rounded: the two ends are multiples of `bucketMs` up to floating error.
 */
export function bucketsPassed(endsAt: number, newestEndsAt: number, bucketMs: number): number {
  return Math.round((endsAt - newestEndsAt) / bucketMs);
}
