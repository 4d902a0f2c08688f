import { afterPendingIo } from './after-pending-io.js';
import { MAX_TIMER_MS } from './clock.js';

export interface EarliestTimerOptions {
  /** Keeps the process alive while armed (a caller awaits what it serves). Default false. */
  keepAlive?: boolean;
  /**
   * What it serves judges a deadline (calls time out on it): fired late, it waits for the I/O of
   * the turn, so that answers that came during a stall are read first (`afterPendingIo`).
   */
  judges?: boolean;
}

/**
 * One timer for many waits: armed for the earliest of them, and told when it fires. The call
 * deadlines, the windows' bucket boundaries and the retry delays each keep one for the whole
 * process, rather than a `setTimeout` per call. It is `unref()`ed (it keeps no process alive)
 * unless made to `keepAlive`: the retry delays', which a caller awaits. The call deadlines' one
 * `judges` (see `afterPendingIo`).
 */
export class EarliestTimer {
  /** The `performance.now()` time it is armed for; Infinity when it is not armed. */
  armedFor = Infinity;
  private timer: ReturnType<typeof setTimeout> | undefined = undefined;
  private armedWith: typeof setTimeout | undefined = undefined;
  /** When its timer should fire: later is late (see `judges`). */
  private firesAt = Infinity;
  /** Fired late, and waiting for the turn's I/O to be read (when it `judges`). */
  private verdict: ReturnType<typeof setImmediate> | undefined = undefined;
  private readonly keepAlive: boolean;
  private readonly judges: boolean;

  constructor(
    private readonly fire: () => void,
    { keepAlive = false, judges = false }: EarliestTimerOptions = {},
  ) {
    this.keepAlive = keepAlive;
    this.judges = judges;
  }

  /**
   * Whether it was armed through the `setTimeout` now global. One armed through another (Jest's
   * fake timers switched on or off since) may never fire.
   */
  get live(): boolean {
    return this.armedWith === setTimeout;
  }

  /** Fires in `delayMs` (at least 1), for what is due at `at`, instead of when it was armed for. */
  arm(at: number, delayMs: number): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.armedFor = at;
    this.armedWith = setTimeout;
    const delay = Math.min(MAX_TIMER_MS, Math.max(1, Math.ceil(delayMs)));
    this.firesAt = at - delayMs + delay; // (`at - delayMs`: the caller's now, no clock read)
    this.timer = setTimeout(this.fired, delay);
    if (!this.keepAlive) this.timer.unref?.();
  }

  disarm(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.verdict !== undefined) clearImmediate(this.verdict);
    this.verdict = undefined;
    this.armedFor = Infinity;
  }

  private readonly fired = (): void => {
    this.timer = undefined;
    if (this.judges) {
      // Still armed for what is due until judged: what comes due later arms nothing meanwhile.
      this.verdict = afterPendingIo(this.judge, this.firesAt);
      return;
    }
    this.armedFor = Infinity;
    this.fire();
  };

  private readonly judge = (): void => {
    this.verdict = undefined;
    if (this.timer === undefined) this.armedFor = Infinity;
    this.fire();
  };
}
