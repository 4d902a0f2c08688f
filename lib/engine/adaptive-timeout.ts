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
 * until `minCalls` successes are measured.
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

/**
 * The timeout in force for a circuit with an adaptive `timeoutMs`, from the durations of its
 * successful calls over its window (a histogram of its own: timeouts and failures would pull the
 * percentile towards the timeout itself). Worked out again every 16 successes, and when read.
 */
export class AdaptiveTimeout {
  private readonly successes: LatencyHistogram;
  private untilRefresh = EVERY;
  /** The timeout in force, in whole milliseconds. */
  current: number;

  constructor(
    private readonly options: ResolvedAdaptiveTimeout,
    windowMs: number,
  ) {
    this.successes = new LatencyHistogram(windowMs);
    this.current = Math.ceil(options.maxMs);
  }

  /** Counts a successful call; returns true when the timeout in force changed. */
  succeeded(now: number, durationMs: number): boolean {
    this.successes.record(now, durationMs);
    if (--this.untilRefresh > 0) return false;
    return this.refresh(now);
  }

  /** Works the timeout out again at `now`; returns true when it changed. */
  refresh(now: number): boolean {
    this.untilRefresh = EVERY;
    const { percentile, multiplier, minMs, maxMs, minCalls } = this.options;
    const { calls, valueMs } = this.successes.percentile(now, percentile);
    const next = Math.ceil(
      calls < minCalls ? maxMs : Math.min(maxMs, Math.max(minMs, multiplier * valueMs)),
    );
    if (next === this.current) return false;
    this.current = next;
    return true;
  }

  clear(): void {
    this.successes.clear();
    this.current = Math.ceil(this.options.maxMs);
  }
}
