// The engine keeps time on the monotonic clock (`performance.now()`): stepping the wall clock, by
// hand or by NTP, never stretches or shortens an open circuit or the rolling window. Jest's fake
// timers fake it too. Instants are kept as whole milliseconds: small integers, which V8 stores
// inside an object, where a fractional double would cost a separate box per field.

/** Milliseconds on the monotonic clock, whole. */
export function clockNow(): number {
  return Math.floor(performance.now());
}

// Wall-clock time minus monotonic time. Date.now() is truncated to the millisecond, so one
// reading can fall up to 1 ms short: the largest reading is the best, and keeping it makes an
// instant converted to epoch milliseconds and back (through a shared store) come back the same.
// A reading further below means the wall clock was stepped back; one above, stepped forward.
let wallOffset = Date.now() - performance.now();

function currentWallOffset(): number {
  const reading = Date.now() - performance.now();
  if (reading > wallOffset || reading < wallOffset - 2) wallOffset = reading;
  return wallOffset;
}

/** The wall-clock epoch milliseconds of a `clockNow()` instant, whole, as other processes read time. */
export function toEpochTime(time: number): number {
  return Math.round(time + currentWallOffset());
}

/** The `clockNow()` instant of wall-clock epoch milliseconds, whole. */
export function fromEpochTime(epochMs: number): number {
  return Math.round(epochMs - currentWallOffset());
}

/** The ISO 8601 form of a `clockNow()` instant, by the wall clock. */
export function toIsoTime(time: number): string {
  return new Date(toEpochTime(time)).toISOString();
}
