/**
 * How far ahead of Redis's clock a record's version may be: Redis gives every version, so only
 * the error of this replica's estimate of that clock (a round trip), or the clocks of a
 * Cluster's masters differing, can put a real one ahead. Past it, a record was written by hand
 * or by a foreign program, and taking it would make every later record look older.
 */
export const REDIS_CLOCK_SKEW_MS = 5_000;

/**
 * This replica's reading of Redis's clock: the offset from its own, learned from `TIME` each time
 * the store catches up with Redis. Until then, its own clock stands in.
 */
export class RedisClock {
  private offsetMs = 0;

  /** Learns the offset from a `TIME` reply, sent at `sentAt` and answered at `answeredAt`. */
  learn([seconds, micros]: readonly unknown[], sentAt: number, answeredAt: number): void {
    const redisMs = Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
    if (Number.isFinite(redisMs)) this.offsetMs = redisMs - (sentAt + answeredAt) / 2;
  }

  /** Redis's time now, in epoch milliseconds, as best known. */
  now(): number {
    return Date.now() + this.offsetMs;
  }

  /** Whether `version` is further ahead of Redis's time than any record Redis versioned. */
  isAhead(version: number): boolean {
    return version > this.now() + REDIS_CLOCK_SKEW_MS;
  }
}
