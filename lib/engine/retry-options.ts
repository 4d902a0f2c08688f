import { CircuitOptionsError } from './errors/circuit-options.error.js';

/**
 * `retry`: calls that fail are tried again, each attempt a call of the circuit (counted by its
 * rules), within a budget that keeps a failing dependency from a retry storm. Only for calls
 * that return promises (`execute`, `wrap`, async methods): a sync call is never retried.
 */
export interface RetryOptions {
  /** Attempts in all, the first one included. Default 3. */
  attempts?: number;
  /** The delay before the first retry, in milliseconds. Default 100. */
  delayMs?: number;
  /** The longest delay between attempts, in milliseconds. Default 10 000. */
  maxDelayMs?: number;
  /** Each delay is this many times the one before. Default 2. */
  multiplier?: number;
  /**
   * `'full'` (the default): each delay is random between 0 and the computed one, so that
   * callers failing together do not retry together. `'none'`: the computed delay itself.
   */
  jitter?: 'full' | 'none';
  /**
   * Which errors are retried, of those the circuit counts as failures (timeouts included).
   * Default: all of them. A refusal of the circuit, or an error it ignores, is never retried.
   */
  retryOn?: (error: unknown) => boolean;
  /**
   * Over the circuit's window, retries are at most this ratio of first attempts, plus
   * `minRetries`. Default 0.2: a failing dependency gets at most about 1.2 times its traffic.
   */
  budgetRatio?: number;
  /** Retries the budget always allows over the window, however few the calls. Default 10. */
  minRetries?: number;
  /**
   * Bounds the whole call, every attempt and delay included, in milliseconds: past it the
   * caller gets `CallTimeoutError` and the attempt's signal is aborted. Default: none.
   */
  deadlineMs?: number;
}

/** Retry options with every default filled in. */
export type ResolvedRetryOptions = Readonly<
  Required<Omit<RetryOptions, 'retryOn' | 'deadlineMs'>> &
    Pick<RetryOptions, 'retryOn' | 'deadlineMs'>
>;

const DEFAULT_RETRY = {
  attempts: 3,
  delayMs: 100,
  maxDelayMs: 10_000,
  multiplier: 2,
  jitter: 'full',
  budgetRatio: 0.2,
  minRetries: 10,
} as const;

const MAX_DELAY_MS = 2_147_483_647;
const isNumber = (v: unknown): v is number => typeof v === 'number' && !Number.isNaN(v);
const delay = (v: unknown) => isNumber(v) && v >= 0 && v <= MAX_DELAY_MS;

const RULES: Record<keyof RetryOptions, [(value: unknown) => boolean, string]> = {
  attempts: [
    (v) => Number.isInteger(v) && (v as number) >= 1 && (v as number) <= 100,
    'an integer in [1, 100]',
  ],
  delayMs: [delay, `a number of milliseconds in [0, ${MAX_DELAY_MS}]`],
  maxDelayMs: [delay, `a number of milliseconds in [0, ${MAX_DELAY_MS}]`],
  multiplier: [(v) => isNumber(v) && v >= 1 && v < Infinity, 'a finite number ≥ 1'],
  jitter: [(v) => v === 'full' || v === 'none', "'full' or 'none'"],
  retryOn: [(v) => typeof v === 'function', 'a function (error) => boolean'],
  budgetRatio: [(v) => isNumber(v) && v >= 0 && v <= 100, 'a number in [0, 100]'],
  minRetries: [(v) => Number.isInteger(v) && (v as number) >= 0, 'an integer ≥ 0'],
  deadlineMs: [
    (v) => delay(v) && (v as number) > 0,
    `a number of milliseconds in (0, ${MAX_DELAY_MS}]`,
  ],
};

/** Checks `retry` and fills in its defaults; throws `CircuitOptionsError` naming `retry.<option>`. */
export function resolveRetryOptions(circuit: string, retry: unknown): ResolvedRetryOptions {
  if (typeof retry !== 'object' || retry === null || Array.isArray(retry)) {
    throw new CircuitOptionsError(circuit, 'retry', retry, 'an object such as { attempts: 3 }');
  }
  const resolved: Record<string, unknown> = { ...DEFAULT_RETRY };
  for (const [option, value] of Object.entries(retry)) {
    if (value === undefined) continue;
    if (!Object.hasOwn(RULES, option)) {
      throw new CircuitOptionsError(
        circuit,
        `retry.${option}`,
        value,
        `one of ${Object.keys(RULES).join(', ')}`,
      );
    }
    const [valid, expected] = RULES[option as keyof RetryOptions];
    if (!valid(value)) throw new CircuitOptionsError(circuit, `retry.${option}`, value, expected);
    resolved[option] = value;
  }
  if ((resolved.maxDelayMs as number) < (resolved.delayMs as number)) {
    throw new CircuitOptionsError(
      circuit,
      'retry.maxDelayMs',
      resolved.maxDelayMs,
      'at least retry.delayMs',
    );
  }
  return Object.freeze(resolved) as unknown as ResolvedRetryOptions;
}

/** The delay before retry number `retry` (1 for the first), with the jitter the options ask. */
export function retryDelayMs(
  options: ResolvedRetryOptions,
  retry: number,
  random: () => number = Math.random,
): number {
  const computed = Math.min(
    options.maxDelayMs,
    options.delayMs * options.multiplier ** (retry - 1),
  );
  return options.jitter === 'full' ? Math.round(random() * computed) : computed;
}
