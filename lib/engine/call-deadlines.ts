import { EarliestTimer } from './earliest-timer.js';

/** What a circuit does when one of its timed calls settles or runs out of time. */
export interface TimedCallOwner {
  settled(call: TimedCall, error: unknown, failed: boolean): void;
  /** Counts the timeout and returns the error for the caller and the call's signal. */
  timedOut(call: TimedCall): Error;
}

/** One call running under `timeoutMs`: a link in the list of calls that share its timeout. */
export class TimedCall {
  prev: TimedCall | undefined = undefined;
  next: TimedCall | undefined = undefined;
  /** Settled or timed out: whatever happens to it later changes nothing. */
  done = false;
  resolve!: (value: unknown) => void;
  reject!: (error: unknown) => void;

  constructor(
    readonly owner: TimedCallOwner,
    readonly list: DeadlineList,
    /** The circuit's epoch when the call started (see `Circuit`). */
    readonly epoch: number,
    /** `performance.now()` when the call started. */
    readonly started: number,
    readonly controller: AbortController | undefined,
  ) {}

  get deadline(): number {
    return this.started + this.list.timeoutMs;
  }
}

/** The calls in flight that share one `timeoutMs`, oldest first: that is also deadline order. */
export class DeadlineList {
  oldest: TimedCall | undefined = undefined;
  newest: TimedCall | undefined = undefined;
  constructor(readonly timeoutMs: number) {}
}

const lists = new Map<number, DeadlineList>();
const timer = new EarliestTimer(expire);
// Hands the caller's resolve/reject to the call being tracked without a closure per call.
let receiving: TimedCall;
const receive = (resolve: (value: unknown) => void, reject: (error: unknown) => void): void => {
  receiving.resolve = resolve;
  receiving.reject = reject;
};

/**
 * The list for one `timeoutMs`. Circuits share lists, and one timer for the whole process,
 * armed for the earliest deadline, covers every timed call: a call costs a link and an
 * unlink, not a `setTimeout` and a `clearTimeout`. The timer is `unref()`ed and stops when it
 * finds no call left.
 */
export function deadlineListFor(timeoutMs: number): DeadlineList {
  let list = lists.get(timeoutMs);
  if (list === undefined) lists.set(timeoutMs, (list = new DeadlineList(timeoutMs)));
  return list;
}

/** Returns the caller's promise: `result`'s outcome, or the owner's timeout error if that comes first. */
export function trackDeadline<T>(
  result: PromiseLike<T>,
  owner: TimedCallOwner,
  list: DeadlineList,
  epoch: number,
  started: number,
  controller: AbortController | undefined,
): Promise<T> {
  const call = new TimedCall(owner, list, epoch, started, controller);
  receiving = call;
  const caller = new Promise<T>(receive as ConstructorParameters<typeof Promise<T>>[0]);
  append(call);
  result.then(
    (value) => {
      if (!finish(call)) return;
      owner.settled(call, undefined, false);
      call.resolve(value);
    },
    (error: unknown) => {
      if (!finish(call)) return;
      owner.settled(call, error, true);
      call.reject(error);
    },
  );
  return caller;
}

/** Stops the timer if no timed call is waiting on it (for shutdown). */
export function stopIdleDeadlineTimer(): void {
  if (timer.armedFor !== Infinity && [...lists.values()].every((list) => list.oldest === undefined))
    timer.disarm();
}

function append(call: TimedCall): void {
  const list = call.list;
  if (list.newest === undefined) list.oldest = call;
  else {
    list.newest.next = call;
    call.prev = list.newest;
  }
  list.newest = call;
  // A timer that is not live may never fire: arm it again.
  if (call.deadline < timer.armedFor || !timer.live) {
    timer.arm(call.deadline, call.deadline - call.started);
  }
}

/** Marks the call done and unlinks it; false when it already was. */
function finish(call: TimedCall): boolean {
  if (call.done) return false;
  call.done = true;
  const list = call.list;
  if (call.prev === undefined) list.oldest = call.next;
  else call.prev.next = call.next;
  if (call.next === undefined) list.newest = call.prev;
  else call.next.prev = call.prev;
  call.prev = call.next = undefined;
  return true;
}

function expire(): void {
  const now = performance.now();
  let next = Infinity;
  for (const list of lists.values()) {
    while (list.oldest !== undefined && list.oldest.deadline <= now) {
      const call = list.oldest;
      finish(call);
      const error = call.owner.timedOut(call);
      call.reject(error);
      call.controller?.abort(error);
    }
    if (list.oldest !== undefined) next = Math.min(next, list.oldest.deadline);
  }
  if (next !== Infinity) timer.arm(next, next - now);
}
