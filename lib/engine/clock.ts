// The engine keeps time as milliseconds since it loaded: small integers, which V8 stores inside
// an object, where a full Date.now() (a double) would cost a separate 16-byte box per field.
// Read through Date.now() on every call, so that Jest's fake timers drive it.
const origin = Date.now();

/** Milliseconds since the engine loaded, by `Date.now()`. */
export function clockNow(): number {
  return Date.now() - origin;
}

/** The ISO 8601 form of a `clockNow()` time. */
export function toIsoTime(time: number): string {
  return new Date(origin + time).toISOString();
}

/** The epoch milliseconds of a `clockNow()` time, as other processes read time. */
export function toEpochTime(time: number): number {
  return origin + time;
}

/** The `clockNow()` time of epoch milliseconds. */
export function fromEpochTime(epochMs: number): number {
  return epochMs - origin;
}
