// Tells rolling windows when their newest bucket is about to end, so that recording a call needs
// no reading of the clock: on these machines a reading costs as much as the rest of a call
// through a closed circuit. One process-wide timer, `unref()`ed, armed for the nearest boundary
// any window waits for; windows of one length share their boundaries (buckets are aligned on
// the clock's origin), so it fires about once per bucket length in use, and not at all when no
// call is recorded.

import { EarliestTimer } from './earliest-timer.js';

/** A window waiting for its bucket's end. */
export interface BoundaryWatcher {
  /** The boundary is at most `EARLY_MS` away, or past: read the clock from now on. */
  boundaryNear(): void;
}

/**
 * How early a watcher is told. From then until its boundary it reads the clock on each call, so
 * that a call exactly at the boundary goes to the bucket the clock says, whichever timer runs
 * first at that instant.
 */
const EARLY_MS = 1;
/** Shorter buckets read the clock on every call: a timer each millisecond would cost more. */
export const SHORTEST_WATCHED_BUCKET_MS = 10;

/** Watchers by the boundary they wait for (`performance.now()` time). */
const pending = new Map<number, BoundaryWatcher[]>();
const timer = new EarliestTimer(fire);

/**
 * Calls `watcher.boundaryNear()` shortly before `at`. When the live `setTimeout` is not the one
 * the timer was armed with (Jest's fake timers switched on or off), every watcher already waiting
 * is told at once, so that it reads the clock afresh, and the timer is armed again with the live
 * one; until then `boundariesAreWatched()` is false.
 */
export function watchBoundary(at: number, watcher: BoundaryWatcher): void {
  if (!timer.live) restartWithLiveTimers();
  let group = pending.get(at);
  if (group === undefined) pending.set(at, (group = []));
  group.push(watcher);
  if (at < timer.armedFor) arm(at);
}

/** Whether a watcher not yet told may trust that its boundary is still ahead. */
export function boundariesAreWatched(): boolean {
  return timer.live;
}

/** Another clock now drives timers: every watcher reads it afresh. */
function restartWithLiveTimers(): void {
  timer.disarm();
  const waiting = [...pending.values()];
  pending.clear();
  for (const group of waiting) for (const watcher of group) watcher.boundaryNear();
}

function arm(at: number): void {
  timer.arm(at, at - EARLY_MS - performance.now());
}

function fire(): void {
  const now = performance.now();
  let next = Infinity;
  for (const [at, group] of pending) {
    if (at - EARLY_MS > now) next = Math.min(next, at);
    else {
      pending.delete(at);
      for (const watcher of group) watcher.boundaryNear();
    }
  }
  if (next !== Infinity) arm(next);
}
