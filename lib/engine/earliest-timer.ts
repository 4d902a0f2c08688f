import { MAX_TIMER_MS } from './clock.js';

/**
 * One timer for many waits: armed for the earliest of them, and told when it fires. The call
 * deadlines, the windows' bucket boundaries and the retry delays each keep one for the whole
 * process, rather than a `setTimeout` per call. It is `unref()`ed (it keeps no process alive)
 * unless made to `keepAlive`: the retry delays', which a caller awaits.
 */
export class EarliestTimer {
  /** The `performance.now()` time it is armed for; Infinity when it is not armed. */
  armedFor = Infinity;
  private timer: ReturnType<typeof setTimeout> | undefined = undefined;
  private armedWith: typeof setTimeout | undefined = undefined;

  constructor(
    private readonly fire: () => void,
    private readonly keepAlive = false,
  ) {}

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
    this.timer = setTimeout(this.fired, Math.min(MAX_TIMER_MS, Math.max(1, Math.ceil(delayMs))));
    if (!this.keepAlive) this.timer.unref?.();
  }

  disarm(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.armedFor = Infinity;
  }

  private readonly fired = (): void => {
    this.timer = undefined;
    this.armedFor = Infinity;
    this.fire();
  };
}
