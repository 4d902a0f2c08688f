import { clearDeadline, startDeadline } from './call-deadlines.js';
import { whenAborted } from './call-signal.js';
import { BulkheadFullError } from './errors/bulkhead-full.error.js';

/** A call waiting for a place: a link in the queue, oldest first. */
interface Waiter {
  prev: Waiter | undefined;
  next: Waiter | undefined;
  admit: () => void;
}

/**
 * At most `maxConcurrent` calls of a circuit at once, and `maxQueued` waiting for a place, in
 * order; any call beyond both is refused at once with `BulkheadFullError`. Exact whatever the
 * concurrency: places are taken and given back synchronously.
 */
export class Bulkhead {
  private running = 0;
  private waiting = 0;
  private oldest: Waiter | undefined;
  private newest: Waiter | undefined;
  /** Calls refused: the bulkhead was full, or a call waited past its deadline. */
  rejected = 0;

  constructor(
    private readonly circuit: string,
    readonly maxConcurrent: number,
    readonly maxQueued: number,
  ) {}

  get active(): number {
    return this.running;
  }

  get queued(): number {
    return this.waiting;
  }

  /** Takes a place now, or refuses a call that cannot wait (a sync one). */
  enterNow(): void {
    if (!this.tryEnter()) throw this.refuse();
  }

  /**
   * A place, now (`true`) or once one frees (a promise), or a refusal when the queue is full too.
   * A waiting call leaves the queue when `signal` aborts (with its reason) or `waitMs` passes.
   * Waiting holds no timer of its own (the process-wide deadline timer serves every wait) and
   * leaves nothing on `signal`.
   */
  enter(signal: AbortSignal | undefined, waitMs: number | undefined): true | Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason as Error);
    if (this.tryEnter()) return true;
    if (this.waiting >= this.maxQueued) return Promise.reject(this.refuse());
    return new Promise<void>((resolve, reject) => {
      let waiting = true;
      // Out of the queue, once: what the wait hung on the deadline list and the signal goes.
      const stopWaiting = (): boolean => {
        if (!waiting) return false;
        waiting = false;
        clearDeadline(deadline);
        unfollow?.();
        return true;
      };
      // Refused by the bulkhead (its deadline passed), or given up by the caller.
      const giveUp = (error: unknown, refused: boolean) => {
        if (!stopWaiting()) return;
        this.unlink(waiter);
        if (refused) this.rejected++;
        reject(error as Error);
      };
      const waiter: Waiter = {
        prev: undefined,
        next: undefined,
        admit: () => {
          stopWaiting();
          resolve();
        },
      };
      this.link(waiter);
      const unfollow =
        signal === undefined ? undefined : whenAborted(signal, (reason) => giveUp(reason, false));
      const deadline =
        waitMs === undefined
          ? undefined
          : startDeadline(waitMs, () => giveUp(this.full(true), true));
    });
  }

  /** Gives a place back: to the oldest waiting call, if any. */
  leave(): void {
    const next = this.oldest;
    if (next === undefined) {
      this.running--;
      return;
    }
    this.unlink(next);
    next.admit(); // the place passes on: `running` stays as it is
  }

  private tryEnter(): boolean {
    if (this.running >= this.maxConcurrent) return false;
    this.running++;
    return true;
  }

  /** Counts a refusal of a call that found no place and no room in the queue. */
  private refuse(): BulkheadFullError {
    this.rejected++;
    return this.full(false);
  }

  private full(waited: boolean): BulkheadFullError {
    return new BulkheadFullError(this.circuit, this.maxConcurrent, this.maxQueued, waited);
  }

  private link(waiter: Waiter): void {
    waiter.prev = this.newest;
    if (this.newest === undefined) this.oldest = waiter;
    else this.newest.next = waiter;
    this.newest = waiter;
    this.waiting++;
  }

  private unlink(waiter: Waiter): void {
    if (waiter.prev === undefined) this.oldest = waiter.next;
    else waiter.prev.next = waiter.next;
    if (waiter.next === undefined) this.newest = waiter.prev;
    else waiter.next.prev = waiter.prev;
    waiter.prev = waiter.next = undefined;
    this.waiting--;
  }
}
