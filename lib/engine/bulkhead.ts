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
   */
  enter(signal: AbortSignal | undefined, waitMs: number | undefined): true | Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.tryEnter()) return true;
    if (this.waiting >= this.maxQueued) return Promise.reject(this.refuse());
    return new Promise<void>((resolve, reject) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      let done = false; // the deadline and the signal may both come
      // Out of the queue: refused by the bulkhead (its deadline passed), or given up by the caller.
      const leave = (error: unknown, refused: boolean) => {
        if (done) return;
        done = true;
        this.unlink(waiter);
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        if (refused) this.rejected++;
        reject(error);
      };
      const onAbort = () => leave(signal!.reason, false);
      const waiter: Waiter = {
        prev: undefined,
        next: undefined,
        admit: () => {
          done = true;
          clearTimeout(timer);
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      this.link(waiter);
      signal?.addEventListener('abort', onAbort, { once: true });
      if (waitMs !== undefined) timer = setTimeout(() => leave(this.full(true), true), waitMs);
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
