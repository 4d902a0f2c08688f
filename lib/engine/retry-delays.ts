import { whenAborted } from './call-signal.js';
import { EarliestTimer } from './earliest-timer.js';

/** A call waiting out its retry delay: an entry of the heap of delays, soonest first. */
interface Delay {
  readonly until: number;
  /** Its place in the heap; -1 once out of it. */
  at: number;
  readonly resume: () => void;
}

// Delays are drawn at random (jitter): a binary heap finds the soonest, and removes one that a
// signal ended, in O(log n).
const heap: Delay[] = [];
/**
 * One timer for every retry delay in the process, armed for the soonest. It keeps the process
 * alive while any delay is pending: a caller awaits the retry. Nothing else of ours does.
 */
const timer = new EarliestTimer(wake, { keepAlive: true });

/**
 * Waits `ms`, or until `signal` aborts (rejecting with its reason), whichever is first. What it
 * hung on `signal` is removed when it ends.
 */
export function retryDelay(ms: number, signal: AbortSignal | undefined): Promise<void> {
  if (signal?.aborted) return Promise.reject(signal.reason as Error);
  if (ms <= 0) return Promise.resolve(); // no delay: the timer's least would add a millisecond
  return new Promise<void>((resolve, reject) => {
    const now = performance.now();
    const delay: Delay = {
      until: now + ms,
      at: -1,
      resume: () => {
        unfollow?.();
        resolve();
      },
    };
    const unfollow =
      signal === undefined
        ? undefined
        : whenAborted(signal, (reason) => {
            remove(delay);
            reject(reason as Error);
          });
    push(delay);
    if (delay.until < timer.armedFor || !timer.live) timer.arm(delay.until, ms);
  });
}

function wake(): void {
  const now = performance.now();
  while (heap.length > 0 && heap[0]!.until <= now) {
    const delay = heap[0]!;
    remove(delay);
    delay.resume();
  }
  if (heap.length > 0) timer.arm(heap[0]!.until, heap[0]!.until - now);
}

function push(delay: Delay): void {
  delay.at = heap.length;
  heap.push(delay);
  up(delay.at);
}

function remove(delay: Delay): void {
  const at = delay.at;
  if (at === -1) return;
  delay.at = -1;
  const last = heap.pop()!;
  if (last !== delay) {
    place(last, at);
    up(at);
    down(at);
  }
  // Nothing pending: nothing of ours keeps the process alive.
  if (heap.length === 0) timer.disarm();
}

function place(delay: Delay, at: number): void {
  heap[at] = delay;
  delay.at = at;
}

function up(at: number): void {
  const delay = heap[at]!;
  while (at > 0) {
    const parent = (at - 1) >> 1;
    if (heap[parent]!.until <= delay.until) break;
    place(heap[parent]!, at);
    at = parent;
  }
  place(delay, at);
}

function down(at: number): void {
  const delay = heap[at]!;
  for (;;) {
    let child = 2 * at + 1;
    if (child >= heap.length) break;
    if (child + 1 < heap.length && heap[child + 1]!.until < heap[child]!.until) child++;
    if (heap[child]!.until >= delay.until) break;
    place(heap[child]!, at);
    at = child;
  }
  place(delay, at);
}
