/**
 * How long each act of the story lasts. `speed` divides every duration but the traffic's pace,
 * so `--speed=3` tells the same story in a third of the time (the tests use it).
 */
export interface DemoTimings {
  speed: number;
  /** How long an open circuit waits before it lets a probe through (the app's resetTimeoutMs). */
  resetTimeoutMs: number;
  /** Healthy traffic before the dependency breaks. */
  steadyMs: number;
  /** How long the dependency keeps failing: long enough for one probe to fail. */
  failingMs: number;
  /** After recovery, how long the circuits may take to close before the story counts as failed. */
  closeDeadlineMs: number;
  /** Healthy traffic after every circuit closed again. */
  recoveredMs: number;
  /** One timeline row this often. */
  rowEveryMs: number;
  /** How often /circuits is read to catch state changes as they happen. */
  pollEveryMs: number;
  /** A burst of stock requests this often... */
  tickMs: number;
  /** ...of this many concurrent requests... */
  stockPerTick: number;
  /** ...and a POST /orders every this many ticks. */
  postEveryTicks: number;
  /** The inventory service's latency while healthy. */
  inventoryLatencyMs: number;
}

export function demoTimings(speed = 1): DemoTimings {
  if (!Number.isFinite(speed) || speed <= 0)
    throw new RangeError(`speed must be a number > 0, got ${speed}`);
  const scaled = (ms: number) => Math.round(ms / speed);
  return {
    speed,
    resetTimeoutMs: scaled(3_000),
    steadyMs: scaled(5_000),
    failingMs: scaled(5_000),
    closeDeadlineMs: scaled(3_000) * 2 + 2_000,
    recoveredMs: scaled(4_000),
    rowEveryMs: scaled(1_000),
    pollEveryMs: 50,
    tickMs: 100,
    stockPerTick: 3,
    postEveryTicks: 3,
    inventoryLatencyMs: 40,
  };
}
