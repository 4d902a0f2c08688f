import { CircuitOptionsError } from './errors/circuit-options.error.js';
import { LatencyHistogram } from './latency-histogram.js';
import {
  COUNT_RULE,
  MULTIPLIER_RULE,
  POSITIVE_DELAY_RULE,
  isNumber,
  mergeCheckedOptions,
  type OptionRules,
} from './option-rules.js';

/**
 * `timeoutMs` as a timeout that follows the dependency: `multiplier` times the `percentile` of
 * the durations of recent successful calls, never below `minMs` nor above `maxMs`; `maxMs`
 * until `minCalls` successes are measured. A call that times out doubles the timeout (within
 * `maxMs`) for one window, so that a dependency slower than the timeout is followed.
 */
export interface AdaptiveTimeoutOptions {
  /** Which percentile of successful calls, in (0, 1), e.g. 0.99. */
  percentile: number;
  /** The timeout is this many times that percentile. Default 2. */
  multiplier?: number;
  /** Never shorter than this, in milliseconds. */
  minMs: number;
  /** Never longer than this, in milliseconds; the timeout until enough calls are measured. */
  maxMs: number;
  /** Successful calls in the window before the timeout follows them. Default 20. */
  minCalls?: number;
}

export type ResolvedAdaptiveTimeout = Readonly<Required<AdaptiveTimeoutOptions>>;

const RULES: OptionRules<AdaptiveTimeoutOptions> = {
  percentile: [(v) => isNumber(v) && v > 0 && v < 1, 'a ratio in (0, 1), such as 0.99'],
  multiplier: MULTIPLIER_RULE,
  minMs: POSITIVE_DELAY_RULE,
  maxMs: POSITIVE_DELAY_RULE,
  minCalls: COUNT_RULE,
};

/** Checks an adaptive `timeoutMs` and fills in its defaults, naming `timeoutMs.<option>` when wrong. */
export function resolveAdaptiveTimeout(circuit: string, given: object): ResolvedAdaptiveTimeout {
  const resolved: Record<string, unknown> = { multiplier: 2, minCalls: 20 };
  mergeCheckedOptions(circuit, 'timeoutMs.', RULES, given, resolved);
  for (const required of ['percentile', 'minMs', 'maxMs'] as const) {
    if (resolved[required] === undefined) {
      throw new CircuitOptionsError(
        circuit,
        `timeoutMs.${required}`,
        undefined,
        RULES[required][1],
      );
    }
  }
  if ((resolved.maxMs as number) < (resolved.minMs as number)) {
    throw new CircuitOptionsError(
      circuit,
      'timeoutMs.maxMs',
      resolved.maxMs,
      'at least timeoutMs.minMs',
    );
  }
  return Object.freeze(resolved) as unknown as ResolvedAdaptiveTimeout;
}

/** How often, in successful calls, the timeout is worked out again from their durations. */
const EVERY = 16;
/** A call that timed out backs the timeout off by this factor, as TCP's retransmission timer does. */
const BACKOFF = 2;

/**
 * The timeout in force for a circuit with an adaptive `timeoutMs`, from the durations of its
 * successful calls over its window (a histogram of its own: failures, often fast, would pull the
 * percentile down). Worked out again every 16 successes, on each timeout, and when read.
 *
 * Successes alone can only follow a dependency that stays within the timeout: one that slows
 * down past it (10 ms to 30 ms under a timeout of 20) would time every call out, leave the
 * percentile where it was, and open the circuit on a dependency that never failed. A timed-out
 * call is evidence too: it took at least its timeout. So each timeout raises a floor to twice
 * the timeout that call ran under (within `maxMs`), held for one window from that timeout; by
 * then the window's successes are those of the slower dependency and the percentile carries it.
 * Calls that time out together, under one timeout, raise the floor once (and the circuit counts
 * only the first towards its trip rules, see `Circuit.settle`). A dependency that hangs still
 * times every call out, each twice as late up to `maxMs`, and trips the circuit.
 */
export class AdaptiveTimeout {
  private readonly successes: LatencyHistogram;
  private untilRefresh = EVERY;
  /** What timeouts have shown: the timeout in force is at least `floorMs` until `floorUntil`. */
  private floorMs = 0;
  private floorUntil = 0;
  /** The timeout in force, in whole milliseconds. */
  current: number;

  constructor(
    private readonly options: ResolvedAdaptiveTimeout,
    private readonly windowMs: number,
  ) {
    this.successes = new LatencyHistogram(windowMs);
    this.current = Math.ceil(options.maxMs);
  }

  /** Counts a successful call; returns true when the timeout in force changed. */
  succeeded(now: number, durationMs: number): boolean {
    this.successes.record(now, durationMs);
    // A floor that has run out is let go at once, not up to 16 successes later.
    if (--this.untilRefresh > 0 && (this.floorMs === 0 || now < this.floorUntil)) return false;
    return this.refresh(now);
  }

  /**
   * Counts a call that ran out of `timeoutMs` (the timeout it started with): the dependency takes
   * at least that long now. Returns true when the timeout in force changed.
   */
  timedOut(now: number, timeoutMs: number): boolean {
    const floor = Math.min(this.options.maxMs, BACKOFF * timeoutMs);
    if (floor >= this.floorMs) {
      this.floorMs = floor;
      this.floorUntil = now + this.windowMs;
    }
    return this.refresh(now);
  }

  /** Works the timeout out again at `now`; returns true when it changed. */
  refresh(now: number): boolean {
    this.untilRefresh = EVERY;
    if (now >= this.floorUntil) this.floorMs = 0;
    const { percentile, multiplier, minMs, maxMs, minCalls } = this.options;
    const { calls, valueMs } = this.successes.percentile(now, percentile);
    const followed =
      calls < minCalls ? maxMs : Math.min(maxMs, Math.max(minMs, multiplier * valueMs));
    const next = Math.ceil(Math.max(followed, this.floorMs));
    if (next === this.current) return false;
    this.current = next;
    return true;
  }

  clear(): void {
    this.successes.clear();
    this.floorMs = this.floorUntil = 0;
    this.current = Math.ceil(this.options.maxMs);
  }
}
