interface Slot<T> {
  /** When the key's last item went, by the monotonic clock. */
  sentAt: number;
  waiting: T | undefined;
  timer: ReturnType<typeof setTimeout> | undefined;
  /** The key is gone (its circuit was removed): its slot goes once nothing waits. */
  forgotten: boolean;
}

/**
 * At most one item per key in `intervalMs`: an item goes at once when its key's last one went
 * that long ago; otherwise it waits, folded into any item already waiting, and the one waiting
 * goes when the interval has passed. A burst costs two messages, the first change and the
 * latest, and the latest is never held back for good.
 */
export class FlapDamper<T> {
  private readonly slots = new Map<string, Slot<T>>();

  constructor(
    private readonly intervalMs: number,
    private readonly fold: (later: T, earlier: T) => T,
    private readonly release: (key: string, item: T) => void,
  ) {}

  offer(key: string, item: T, now: number): void {
    const slot = this.slots.get(key);
    if (slot === undefined) {
      this.slots.set(key, { sentAt: now, waiting: undefined, timer: undefined, forgotten: false });
      return this.release(key, item);
    }
    slot.forgotten = false;
    if (slot.waiting === undefined && now - slot.sentAt >= this.intervalMs) {
      slot.sentAt = now;
      return this.release(key, item);
    }
    slot.waiting = slot.waiting === undefined ? item : this.fold(item, slot.waiting);
    if (slot.timer === undefined) {
      slot.timer = setTimeout(() => this.due(key), slot.sentAt + this.intervalMs - now);
      slot.timer.unref();
    }
  }

  /** The key will not come back: its slot goes, once what waits in it has gone. */
  forget(key: string): void {
    const slot = this.slots.get(key);
    if (slot === undefined) return;
    if (slot.waiting === undefined) this.slots.delete(key);
    else slot.forgotten = true;
  }

  /** Releases every item waiting now and stops every timer: nothing waits after this. */
  flush(): void {
    for (const [key, slot] of this.slots) {
      clearTimeout(slot.timer);
      const item = slot.waiting;
      this.slots.delete(key);
      if (item !== undefined) this.release(key, item);
    }
  }

  private due(key: string): void {
    const slot = this.slots.get(key)!;
    const item = slot.waiting!;
    slot.timer = slot.waiting = undefined;
    slot.sentAt = performance.now();
    if (slot.forgotten) this.slots.delete(key);
    this.release(key, item);
  }
}
