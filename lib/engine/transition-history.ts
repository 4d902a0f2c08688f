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
 * The last `size` state changes of one circuit, oldest first, in a ring: bounded memory, and
 * nothing at all on the call path (it is written on state changes only).
 */
export class TransitionHistory {
  private readonly entries: CircuitTransition[] = [];
  private next = 0;

  constructor(private readonly size: number) {}

  add(transition: CircuitTransition): void {
    if (this.entries.length < this.size) this.entries.push(transition);
    else this.entries[this.next] = transition;
    this.next = (this.next + 1) % this.size;
  }

  /** Oldest first. */
  list(): CircuitTransition[] {
    return this.entries.length < this.size
      ? [...this.entries]
      : [...this.entries.slice(this.next), ...this.entries.slice(0, this.next)];
  }
}

/**
 * Whether a circuit flaps: it opened more than `opens` times within `withinMs`. Keeps the times
 * of its last `opens + 1` openings (the monotonic clock), written when it opens.
 */
export class FlapDetector {
  private readonly openedAt: number[] = [];
  private next = 0;

  constructor(
    private readonly opens: number,
    private readonly withinMs: number,
  ) {}

  opened(now: number): void {
    if (this.openedAt.length <= this.opens) this.openedAt.push(now);
    else this.openedAt[this.next] = now;
    this.next = (this.next + 1) % (this.opens + 1);
  }

  flapping(now: number): boolean {
    if (this.openedAt.length <= this.opens) return false;
    const oldest = this.openedAt[this.next]!; // the ring is full: the next to go is the oldest
    return now - oldest <= this.withinMs;
  }
}

/**
 * What a circuit remembers of its state changes: the last `historySize` of them, and its
 * openings, to tell whether it flaps. Built at the first change: a circuit that never changed
 * state keeps nothing.
 */
export class StateChanges {
  private history: TransitionHistory | undefined;
  private flaps: FlapDetector | undefined;

  constructor(
    private readonly options: Pick<
      ResolvedCircuitOptions,
      'historySize' | 'flapThreshold' | 'flapWindowMs'
    >,
  ) {}

  add(transition: CircuitTransition): void {
    const { historySize } = this.options;
    if (historySize > 0) (this.history ??= new TransitionHistory(historySize)).add(transition);
  }

  /** An opening from closed, at `now` (the monotonic clock). */
  opened(now: number): void {
    const { flapThreshold, flapWindowMs } = this.options;
    (this.flaps ??= new FlapDetector(flapThreshold, flapWindowMs)).opened(now);
  }

  list(): CircuitTransition[] {
    return this.history?.list() ?? [];
  }

  flapping(now: number): boolean {
    return this.flaps?.flapping(now) ?? false;
  }
}
