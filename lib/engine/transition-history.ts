import type { CircuitState, CircuitTransitionReason } from './circuit-state.js';
import type { ResolvedCircuitOptions } from './circuit-options.js';

/** One state change of a circuit, kept in its history with the figures that explain it. */
export interface CircuitTransition {
  from: CircuitState;
  to: CircuitState;
  reason: CircuitTransitionReason;
  /** When, as an ISO 8601 string. */
  at: string;
  /** The figures at that moment: what tripped the circuit, or what it recovered from. */
  consecutiveFailures: number;
  failureRate: number;
  slowCallRate: number;
  /** The 99th percentile of call durations over the window, when they are measured. */
  p99Ms: number | null;
}

/**
 * The last `size` values added, in a ring: pushed until it is full, then each overwrites the
 * oldest. Bounded memory, and written on state changes only: nothing on the call path.
 */
class Ring<T> {
  private readonly items: T[] = [];
  private next = 0;

  constructor(private readonly size: number) {}

  add(item: T): void {
    if (this.items.length < this.size) this.items.push(item);
    else this.items[this.next] = item;
    this.next = (this.next + 1) % this.size;
  }

  /** Oldest first. */
  list(): T[] {
    return this.items.length < this.size
      ? [...this.items]
      : [...this.items.slice(this.next), ...this.items.slice(0, this.next)];
  }

  get full(): boolean {
    return this.items.length === this.size;
  }

  /** Once the ring is full, the oldest is the next to be overwritten. */
  get oldest(): T | undefined {
    return this.items[this.full ? this.next : 0];
  }
}

/**
 * What a circuit remembers of its state changes: the last `historySize` of them, and the times
 * of its last `flapThreshold + 1` openings (the monotonic clock), to tell whether it flaps.
 * Built at the first change: a circuit that never changed state keeps nothing.
 */
export class StateChanges {
  private history: Ring<CircuitTransition> | undefined;
  private openings: Ring<number> | undefined;

  constructor(
    private readonly options: Pick<
      ResolvedCircuitOptions,
      'historySize' | 'flapThreshold' | 'flapWindowMs'
    >,
  ) {}

  /** Called only when `historySize` > 0: the circuit works out no figures to keep otherwise. */
  add(transition: CircuitTransition): void {
    (this.history ??= new Ring(this.options.historySize)).add(transition);
  }

  /** An opening from closed, at `now` (the monotonic clock). */
  opened(now: number): void {
    (this.openings ??= new Ring(this.options.flapThreshold + 1)).add(now);
  }

  list(): CircuitTransition[] {
    return this.history?.list() ?? [];
  }

  /** Whether the circuit opened more than `flapThreshold` times within `flapWindowMs`. */
  flapping(now: number): boolean {
    const openings = this.openings;
    if (openings === undefined || !openings.full) return false;
    return now - openings.oldest! <= this.options.flapWindowMs;
  }
}
