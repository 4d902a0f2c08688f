import type { Unfollow } from './call-signal.js';
import { EarliestTimer } from './earliest-timer.js';

/** What a circuit does when one of its timed calls settles or runs out of time. */
export interface TimedCallOwner {
  settled(call: TimedCall, error: unknown, failed: boolean): void;
  /** Counts the timeout and returns the error for the caller and the call's signal. */
  timedOut(call: TimedCall): Error;
}

/**
 * Something that ends when its time runs out, unless it ends first: a link in the list of those
 * of the same length, which the process-wide timer serves.
 */
abstract class Deadline {
  prev: Deadline | undefined = undefined;
  next: Deadline | undefined = undefined;
  /** Ended or expired: whatever happens to it later changes nothing. */
  done = false;

  constructor(
    readonly list: DeadlineList,
    /** `performance.now()` when it started. */
    readonly started: number,
  ) {}

  get deadline(): number {
    return this.started + this.list.timeoutMs;
  }

  /** Its time ran out (it is already unlinked). */
  abstract expired(): void;
}

/** One call running under `timeoutMs`. */
export class TimedCall extends Deadline {
  resolve!: (value: unknown) => void;
  reject!: (error: unknown) => void;

  constructor(
    readonly owner: TimedCallOwner,
    list: DeadlineList,
    /** The circuit's epoch when the call started (see `Circuit`). */
    readonly epoch: number,
    started: number,
    readonly controller: AbortController | undefined,
    /** Stops the call's signal following the caller's: the call no longer needs it. */
    readonly unfollow: Unfollow | undefined,
  ) {
    super(list, started);
  }

  expired(): void {
    this.unfollow?.();
    const error = this.owner.timedOut(this);
    this.reject(error);
    this.controller?.abort(error);
  }
}

/** A wait bounded in time (a retry deadline, a wait for the bulkhead): see `startDeadline`. */
export class TimedWait extends Deadline {
  constructor(
    list: DeadlineList,
    started: number,
    private readonly onExpired: () => void,
  ) {
    super(list, started);
  }

  expired(): void {
    this.onExpired();
  }
}

/** What shares one length (`timeoutMs`), oldest first: that is also deadline order. */
export class DeadlineList {
  oldest: Deadline | undefined = undefined;
  newest: Deadline | undefined = undefined;
  /** In its group's `watched` set: the timer looks at it. */
  watched = false;
  constructor(
    readonly timeoutMs: number,
    readonly group: DeadlineLists,
  ) {}
}

/**
 * The lists of one kind (calls, or waits), shared by length. The timer looks only at the lists
 * given a link since it last found them empty, and forgets the empty ones: a length no longer
 * used (an adaptive timeout's earlier values, a removed circuit's) costs nothing. A circuit may
 * keep a forgotten list: its next link has it watched again.
 */
class DeadlineLists {
  private readonly byLength = new Map<number, DeadlineList>();
  readonly watched = new Set<DeadlineList>();

  listFor(timeoutMs: number): DeadlineList {
    let list = this.byLength.get(timeoutMs);
    if (list === undefined) {
      this.byLength.set(timeoutMs, (list = new DeadlineList(timeoutMs, this)));
      this.watch(list); // so that one never linked is forgotten too
    }
    return list;
  }

  watch(list: DeadlineList): void {
    list.watched = true;
    this.watched.add(list);
  }

  forgetEmpty(): void {
    for (const list of this.watched) {
      if (list.oldest !== undefined) continue;
      list.watched = false;
      this.watched.delete(list);
      if (this.byLength.get(list.timeoutMs) === list) this.byLength.delete(list.timeoutMs);
    }
  }

  /** How many lists the timer looks at (for tests). */
  get size(): number {
    return this.watched.size;
  }
}

const lists = new DeadlineLists();
// Waits keep lists of their own: a call that times out frees its place before a wait due at the
// same moment is judged (see `expire`).
const waitLists = new DeadlineLists();
// It judges: a call whose answer came while the process stalled past its deadline is read first
// and succeeds, rather than timing out (and counting as a failure) on a healthy dependency.
const timer = new EarliestTimer(expire, { judges: true });
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
  return lists.listFor(timeoutMs);
}

/** How many deadline lists the timer looks through now, calls' and waits' (for tests). */
export function watchedDeadlineLists(): number {
  return lists.size + waitLists.size;
}

/** Returns the caller's promise: `result`'s outcome, or the owner's timeout error if that comes first. */
export function trackDeadline<T>(
  result: PromiseLike<T>,
  owner: TimedCallOwner,
  list: DeadlineList,
  epoch: number,
  started: number,
  controller: AbortController | undefined,
  unfollow: Unfollow | undefined,
): Promise<T> {
  const call = new TimedCall(owner, list, epoch, started, controller, unfollow);
  receiving = call;
  const caller = new Promise<T>(receive as ConstructorParameters<typeof Promise<T>>[0]);
  append(call);
  result.then(
    (value) => {
      if (!finish(call)) return;
      call.unfollow?.();
      owner.settled(call, undefined, false);
      call.resolve(value);
    },
    (error: unknown) => {
      if (!finish(call)) return;
      call.unfollow?.();
      owner.settled(call, error, true);
      call.reject(error);
    },
  );
  return caller;
}

/**
 * Calls `expired` `ms` from now, unless `clearDeadline` comes first: a link in a list and the
 * one process-wide timer, not a `setTimeout` per wait (which keeps no process alive either).
 */
export function startDeadline(ms: number, expired: () => void): TimedWait {
  const wait = new TimedWait(waitLists.listFor(ms), performance.now(), expired);
  append(wait);
  return wait;
}

/** Ends a wait that no longer needs its deadline. */
export function clearDeadline(wait: TimedWait | undefined): void {
  if (wait !== undefined) finish(wait);
}

/** Stops the timer if no timed call is waiting on it (for shutdown). */
export function stopIdleDeadlineTimer(): void {
  const idle = (of: DeadlineLists) => [...of.watched].every((list) => list.oldest === undefined);
  if (timer.armedFor !== Infinity && idle(lists) && idle(waitLists)) timer.disarm();
}

function append(call: Deadline): void {
  const list = call.list;
  if (!list.watched) list.group.watch(list);
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

/** Marks the call (or wait) done and unlinks it; false when it already was. */
function finish(call: Deadline): boolean {
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

/** When the timer last turned: waits due then and put off (see `expire`) are judged first. */
let lastTurn = -Infinity;

function expire(): void {
  const now = performance.now();
  // (A clock that went back, Jest's fake one installed afresh, makes the last turn later.)
  expireDue(waitLists, Math.min(lastTurn, now));
  lastTurn = now;
  // A wait due at the moment a call times out is judged on the timer's next turn, once the
  // place that call frees has been handed on (on its promise's reactions): as separate timers
  // would have it. Put off once at most, never starved.
  const callsExpired = expireDue(lists, now);
  if (!callsExpired) expireDue(waitLists, now);
  lists.forgetEmpty();
  waitLists.forgetEmpty();
  const next = Math.min(earliest(lists), earliest(waitLists));
  if (next !== Infinity) timer.arm(next, next - now);
}

/** Expires what is due at `now` in `of`; whether anything was. */
function expireDue(of: DeadlineLists, now: number): boolean {
  let any = false;
  for (const list of of.watched) {
    while (list.oldest !== undefined && list.oldest.deadline <= now) {
      const due = list.oldest;
      finish(due);
      due.expired();
      any = true;
    }
  }
  return any;
}

function earliest(of: DeadlineLists): number {
  let next = Infinity;
  for (const list of of.watched) {
    if (list.oldest !== undefined) next = Math.min(next, list.oldest.deadline);
  }
  return next;
}
