interface Entry<T> {
  readonly key: string;
  readonly item: T;
}

/**
 * What waits to be sent to one webhook, oldest first, at most `capacity` items: one more drops
 * the oldest. Knows which keys (circuits) have an item waiting. Every operation is O(1).
 */
export class DeliveryQueue<T> {
  private readonly ring: Array<Entry<T> | undefined>;
  private head = 0;
  private size = 0;
  private readonly perKey = new Map<string, number>();

  constructor(private readonly capacity: number) {
    this.ring = new Array<Entry<T> | undefined>(capacity);
  }

  get length(): number {
    return this.size;
  }

  /** Adds `item` for `key`; returns the oldest item when it was dropped for want of room. */
  push(key: string, item: T): T | undefined {
    const dropped = this.size === this.capacity ? this.shift()!.item : undefined;
    this.ring[(this.head + this.size) % this.capacity] = { key, item };
    this.size++;
    this.perKey.set(key, (this.perKey.get(key) ?? 0) + 1);
    return dropped;
  }

  shift(): Entry<T> | undefined {
    if (this.size === 0) return undefined;
    const entry = this.ring[this.head]!;
    this.ring[this.head] = undefined;
    this.head = (this.head + 1) % this.capacity;
    this.size--;
    const left = this.perKey.get(entry.key)! - 1;
    if (left === 0) this.perKey.delete(entry.key);
    else this.perKey.set(entry.key, left);
    return entry;
  }

  /** Whether an item of `key` waits. */
  has(key: string): boolean {
    return this.perKey.has(key);
  }

  /** Empties the queue; returns how many items were in it. */
  clear(): number {
    const count = this.size;
    while (this.shift() !== undefined);
    return count;
  }
}
