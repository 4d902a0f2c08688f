// Two clocks, each for its own job.
//
// Decisions (how long a circuit stays open, when a probe has run too long, which calls are in
// the window) are taken on the monotonic clock, `performance.now()`: stepping the wall clock,
// by hand or by NTP, never stretches or shortens them.
//
// What a circuit reports or shares (when it changed state, when it lets a probe through) is
// wall-clock time, read once when the thing happens: printed twice, or sent to another replica
// and back, it stays the same.
//
// Both are kept as whole milliseconds from a fixed origin: small integers, which V8 stores
// inside an object, where a fractional or epoch-sized number would cost a separate box per
// field. Jest's fake timers drive both clocks.

/** Milliseconds on the monotonic clock, whole. */
export function clockNow(): number {
  return Math.floor(performance.now());
}

const wallOrigin = Date.now();

/** Wall-clock milliseconds since the engine loaded (negative if the clock was set back since). */
export function wallNow(): number {
  return Date.now() - wallOrigin;
}

/** The epoch milliseconds of a `wallNow()` time. */
export function wallToEpoch(wall: number): number {
  return wallOrigin + wall;
}

/** The `wallNow()` time of epoch milliseconds. */
export function epochToWall(epochMs: number): number {
  return epochMs - wallOrigin;
}

/** The ISO 8601 form of a `wallNow()` time. */
export function wallToIso(wall: number): string {
  return new Date(wallOrigin + wall).toISOString();
}

/** The longest delay `setTimeout` keeps (2^31 - 1 ms, about 24.8 days): a bound on every delay. */
export const MAX_TIMER_MS = 2_147_483_647;
