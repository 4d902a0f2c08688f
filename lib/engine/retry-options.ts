import { CircuitOptionsError } from './errors/circuit-options.error.js';
import {
  DELAY_RULE,
  ERROR_TEST_RULE,
  MULTIPLIER_RULE,
  POSITIVE_DELAY_RULE,
  ZERO_OR_MORE_RULE,
  isNumber,
  mergeCheckedOptions,
  type OptionRules,
} from './option-rules.js';

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

const RULES: OptionRules<RetryOptions> = {
  attempts: [
    (v) => Number.isInteger(v) && (v as number) >= 1 && (v as number) <= 100,
    'an integer in [1, 100]',
  ],
  delayMs: DELAY_RULE,
  maxDelayMs: DELAY_RULE,
  multiplier: MULTIPLIER_RULE,
  jitter: [(v) => v === 'full' || v === 'none', "'full' or 'none'"],
  retryOn: ERROR_TEST_RULE,
  budgetRatio: [(v) => isNumber(v) && v >= 0 && v <= 100, 'a number in [0, 100]'],
  minRetries: ZERO_OR_MORE_RULE,
  deadlineMs: POSITIVE_DELAY_RULE,
};

/**
 * Checks `retry`, an object the circuit's own rule for it has let through, and fills in its
 * defaults; throws `CircuitOptionsError` naming `retry.<option>`.
 */
export function resolveRetryOptions(circuit: string, retry: object): ResolvedRetryOptions {
  // Arrays pass that rule and are refused here, once the layers are merged: refused there, a
  // bad set of options would report a different error first.
  if (Array.isArray(retry)) {
    throw new CircuitOptionsError(circuit, 'retry', retry, 'an object such as { attempts: 3 }');
  }
  const resolved: Record<string, unknown> = { ...DEFAULT_RETRY };
  mergeCheckedOptions(circuit, 'retry.', RULES, retry, resolved);
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
