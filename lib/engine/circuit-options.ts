import type { CircuitStateChange } from './circuit-state.js';
import { MAX_TIMER_MS } from './clock.js';
import { CircuitOptionsError } from './errors/circuit-options.error.js';
import {
  resolveAdaptiveTimeout,
  type AdaptiveTimeoutOptions,
  type ResolvedAdaptiveTimeout,
} from './adaptive-timeout.js';
import { countsAsFailure } from './counts-as-failure.js';
import {
  COUNT_RULE,
  DELAY_RULE,
  ERROR_TEST_RULE,
  MULTIPLIER_RULE,
  POSITIVE_DELAY_RULE,
  ZERO_OR_MORE_RULE,
  count,
  isNumber,
  mergeCheckedOptions,
  positiveDelay,
  type OptionCheck,
  type OptionRules,
} from './option-rules.js';
import {
  resolveRetryOptions,
  type ResolvedRetryOptions,
  type RetryOptions,
} from './retry-options.js';

/** How a circuit decides to open, how long it stays open and how it probes. Every option is optional. */
export interface CircuitOptions {
  /** Consecutive counted failures that open the circuit. `Infinity` turns the rule off. Default 5. */
  failureThreshold?: number;
  /** Ratio in (0, 1]: open when failures / calls over the rolling window reaches it. Default off. */
  failureRateThreshold?: number;
  /** A call that takes at least this many milliseconds is *slow*. Default off. */
  slowCallDurationMs?: number;
  /** Ratio in (0, 1]: open when slow / calls over the window reaches it. Needs `slowCallDurationMs`. Default off. */
  slowCallRateThreshold?: number;
  /** Calls the window must hold before either rate can open the circuit. Default 10. */
  minimumThroughput?: number;
  /** Length of the rolling time window for the rates, in milliseconds. Default 10 000. */
  windowMs?: number;
  /**
   * What the rates are over: the last `windowMs` (`'time'`, the default) or the last
   * `windowSize` calls (`'count'`).
   */
  windowType?: 'time' | 'count';
  /** With `windowType: 'count'`, how many of the last calls the rates cover. Default 100. */
  windowSize?: number;
  /** How long the circuit stays open before it lets a probe through, in milliseconds. Default 30 000. */
  resetTimeoutMs?: number;
  /** Each failed probe multiplies the open duration by this (≥ 1). Default 1. */
  backoffMultiplier?: number;
  /** Cap on the open duration after backoff, in milliseconds (never below `resetTimeoutMs`). Default 300 000. */
  maxResetTimeoutMs?: number;
  /** In [0, 1]: the open duration is spread randomly by up to this fraction either way. Default 0. */
  jitter?: number;
  /** Probes allowed in flight at once while half-open. Default 1. */
  halfOpenMaxCalls?: number;
  /**
   * A probe still running after this many milliseconds counts as a failed probe: the circuit
   * opens again, so a probe that hangs (a TCP black hole) never wedges it half-open. The probe's
   * caller still gets its own answer whenever it comes. A shorter `timeoutMs` ends the probe
   * first. Default 60 000.
   */
  probeTimeoutMs?: number;
  /** Successful probes that close the circuit. Default 1. */
  successThreshold?: number;
  /**
   * A call still running after this many milliseconds is a failure: the caller gets
   * `CallTimeoutError` and the call's `AbortSignal` is aborted. Or a timeout that follows the
   * dependency: `{ percentile: 0.99, multiplier: 2, minMs, maxMs }` (see
   * `AdaptiveTimeoutOptions`); `stats().timeoutMs` shows the one in force. Default off.
   */
  timeoutMs?: number | AdaptiveTimeoutOptions;
  /**
   * Which errors count as failures. An error for which it returns false is *ignored*: neither
   * success nor failure, and the caller still gets it. Default: every error except a NestJS
   * `HttpException` with a status below 500.
   */
  isFailure?: (error: unknown) => boolean;
  /** Called on every state change of this circuit. */
  onStateChange?: (change: CircuitStateChange) => void;
  /**
   * Keeps the durations of calls over the window, for `stats().latency`. On by itself whenever
   * something reads durations (`slowCallDurationMs`, metrics); otherwise off by default: timing
   * a call costs two readings of the clock. Default false.
   */
  trackLatency?: boolean;
  /** How many state changes `history()` keeps (0: none). Default 50. */
  historySize?: number;
  /**
   * A circuit that opens more than this many times within `flapWindowMs` is flapping (by its trip
   * rules: a `holdOpen()` is not counted). Default 5.
   */
  flapThreshold?: number;
  /** See `flapThreshold`. Default 600 000 (10 minutes). */
  flapWindowMs?: number;
  /**
   * Tries failed calls again, within a retry budget: see `RetryOptions`. Each attempt is a call
   * of the circuit; a refusal is never retried. Default: no retry.
   */
  retry?: RetryOptions;
  /**
   * A bulkhead: at most this many calls of the circuit run at once; the next `maxQueued` wait
   * for a place, in order, and any more are refused at once with `BulkheadFullError`, which is
   * not counted as a failure. A waiting call gives up when its signal aborts or after
   * `timeoutMs`. Default: no bulkhead.
   */
  maxConcurrent?: number;
  /** With `maxConcurrent`, how many calls may wait for a place. Default 0. */
  maxQueued?: number;
}

/** A circuit's options with every default filled in, as `circuit.options` shows them. */
export type ResolvedCircuitOptions = Readonly<
  Required<Omit<CircuitOptions, OptionalRule | 'retry' | 'timeoutMs'>> &
    Pick<CircuitOptions, Exclude<OptionalRule, 'timeoutMs'>> & {
      retry?: ResolvedRetryOptions;
      timeoutMs?: number | ResolvedAdaptiveTimeout;
    }
>;

type OptionalRule =
  | 'failureRateThreshold'
  | 'slowCallDurationMs'
  | 'slowCallRateThreshold'
  | 'timeoutMs'
  | 'onStateChange'
  | 'maxConcurrent';

/** The built-in defaults, lowest in precedence. */
export const DEFAULT_CIRCUIT_OPTIONS: ResolvedCircuitOptions = Object.freeze({
  failureThreshold: 5,
  minimumThroughput: 10,
  windowMs: 10_000,
  windowType: 'time',
  windowSize: 100,
  resetTimeoutMs: 30_000,
  backoffMultiplier: 1,
  maxResetTimeoutMs: 300_000,
  jitter: 0,
  halfOpenMaxCalls: 1,
  probeTimeoutMs: 60_000,
  successThreshold: 1,
  isFailure: countsAsFailure,
  trackLatency: false,
  historySize: 50,
  flapThreshold: 5,
  flapWindowMs: 600_000,
  maxQueued: 0,
});

const ratio: OptionCheck = (value) => isNumber(value) && value > 0 && value <= 1;

const RULES: OptionRules<CircuitOptions> = {
  failureThreshold: [
    (v) => count(v) || v === Infinity,
    'an integer ≥ 1, or Infinity to turn the rule off',
  ],
  failureRateThreshold: [ratio, 'a ratio in (0, 1]'],
  slowCallDurationMs: POSITIVE_DELAY_RULE,
  slowCallRateThreshold: [ratio, 'a ratio in (0, 1]'],
  minimumThroughput: COUNT_RULE,
  windowMs: POSITIVE_DELAY_RULE,
  windowType: [(v) => v === 'time' || v === 'count', "'time' or 'count'"],
  windowSize: [
    (v) => Number.isInteger(v) && (v as number) >= 1 && (v as number) <= 100_000,
    'an integer in [1, 100000]',
  ],
  resetTimeoutMs: DELAY_RULE,
  backoffMultiplier: MULTIPLIER_RULE,
  maxResetTimeoutMs: DELAY_RULE,
  jitter: [(v) => isNumber(v) && v >= 0 && v <= 1, 'a number in [0, 1]'],
  halfOpenMaxCalls: COUNT_RULE,
  probeTimeoutMs: POSITIVE_DELAY_RULE,
  successThreshold: COUNT_RULE,
  timeoutMs: [
    (v) => positiveDelay(v) || (typeof v === 'object' && v !== null && !Array.isArray(v)),
    `a number of milliseconds in (0, ${MAX_TIMER_MS}], or { percentile, multiplier, minMs, maxMs }`,
  ],
  isFailure: ERROR_TEST_RULE,
  onStateChange: [(v) => typeof v === 'function', 'a function (change) => void'],
  trackLatency: [(v) => typeof v === 'boolean', 'true or false'],
  historySize: [
    (v) => Number.isInteger(v) && (v as number) >= 0 && (v as number) <= 1_000,
    'an integer in [0, 1000]',
  ],
  flapThreshold: COUNT_RULE,
  flapWindowMs: POSITIVE_DELAY_RULE,
  // Arrays pass here: resolveRetryOptions refuses them once the layers are merged.
  retry: [(v) => typeof v === 'object' && v !== null, 'an object such as { attempts: 3 }'],
  maxConcurrent: COUNT_RULE,
  maxQueued: ZERO_OR_MORE_RULE,
};

/** One place that declares a shared circuit's options (a decorated method), and what it gives. */
export interface OptionsDeclaration {
  /** Where, for messages: `PaymentsClient.charge`. */
  readonly where: string;
  readonly options: CircuitOptions;
}

/**
 * The options of a circuit that several places declare (methods sharing a name): every option
 * given by several must have one value; a declaration that gives none joins the others. Throws
 * `CircuitOptionsError` naming both places when two disagree.
 */
export function joinDeclarations(
  circuit: string,
  known: OptionsDeclaration,
  added: OptionsDeclaration,
): OptionsDeclaration {
  const given = definedOnly(added.options);
  const disagrees = (Object.keys(given) as Array<keyof CircuitOptions>).some(
    (key) => key in known.options && !sameValue(known.options[key], given[key]),
  );
  if (disagrees) {
    throw new CircuitOptionsError(
      circuit,
      'options',
      given,
      `the same options as at ${known.where}, where the circuit is declared too (a shared circuit has one set of options)`,
    );
  }
  return { where: known.where, options: { ...known.options, ...given } };
}

/** Equal option values: the same value, or option objects (`retry`) with the same values. */
function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  const keys = Object.keys(a);
  return (
    keys.length === Object.keys(b).length &&
    keys.every((key) =>
      sameValue((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key]),
    )
  );
}

/** `options` without the keys set to `undefined`: "not set here". */
export function definedOnly(options: CircuitOptions): CircuitOptions {
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined));
}

/** Checks a circuit's name: a non-empty string. */
export function assertCircuitName(name: unknown): asserts name is string {
  if (typeof name !== 'string' || name.length === 0) {
    throw new CircuitOptionsError(String(name), 'name', name, 'a non-empty string');
  }
}

/**
 * Validates each layer of options and merges them over the defaults, later layers winning.
 * An `undefined` value means "not set here". Throws `CircuitOptionsError` naming the circuit,
 * the option and the value for the first thing wrong.
 */
export function resolveCircuitOptions(
  circuit: string,
  ...layers: ReadonlyArray<CircuitOptions | undefined>
): ResolvedCircuitOptions {
  const merged: Record<string, unknown> = { ...DEFAULT_CIRCUIT_OPTIONS };
  for (const layer of layers) {
    if (layer === undefined) continue;
    if (layer === null || typeof layer !== 'object') {
      throw new CircuitOptionsError(circuit, 'options', layer, 'an object');
    }
    mergeCheckedOptions(circuit, '', RULES, layer, merged);
  }
  if (merged.slowCallRateThreshold !== undefined && merged.slowCallDurationMs === undefined) {
    throw new CircuitOptionsError(
      circuit,
      'slowCallRateThreshold',
      merged.slowCallRateThreshold,
      'set together with slowCallDurationMs (which calls are slow)',
    );
  }
  if (merged.retry !== undefined) {
    merged.retry = resolveRetryOptions(circuit, merged.retry as object);
  }
  if (typeof merged.timeoutMs === 'object') {
    merged.timeoutMs = resolveAdaptiveTimeout(circuit, merged.timeoutMs as object);
  }
  if ((merged.maxQueued as number) > 0 && merged.maxConcurrent === undefined) {
    throw new CircuitOptionsError(
      circuit,
      'maxQueued',
      merged.maxQueued,
      'set together with maxConcurrent (how many calls run at once)',
    );
  }
  if (
    merged.windowType === 'count' &&
    (merged.minimumThroughput as number) > (merged.windowSize as number)
  ) {
    throw new CircuitOptionsError(
      circuit,
      'minimumThroughput',
      merged.minimumThroughput,
      `at most windowSize (${merged.windowSize as number}): the window never holds more calls`,
    );
  }
  return shared(merged as unknown as ResolvedCircuitOptions);
}

// Circuits with equal options share one frozen object: most of an app's circuits differ only
// in name. Options with a callback of their own are never shared; the cache is bounded.
const sharedOptions = new Map<string, ResolvedCircuitOptions>();
const MAX_SHARED = 256;

function shared(options: ResolvedCircuitOptions): ResolvedCircuitOptions {
  const resolved = fixedShape(options);
  // Shared only when every option is a plain value: callbacks and option objects are a circuit's own.
  if (options.isFailure !== countsAsFailure || options.onStateChange !== undefined) return resolved;
  if (options.retry !== undefined || typeof options.timeoutMs === 'object') return resolved;
  const key = Object.values(resolved)
    .map((value) => (typeof value === 'function' ? '' : String(value)))
    .join();
  const known = sharedOptions.get(key);
  if (known !== undefined) return known;
  if (sharedOptions.size < MAX_SHARED) sharedOptions.set(key, resolved);
  return resolved;
}

// Every key in one order, so that all resolved options objects share one compact shape.
function fixedShape(o: ResolvedCircuitOptions): ResolvedCircuitOptions {
  return Object.freeze({
    failureThreshold: o.failureThreshold,
    failureRateThreshold: o.failureRateThreshold,
    slowCallDurationMs: o.slowCallDurationMs,
    slowCallRateThreshold: o.slowCallRateThreshold,
    minimumThroughput: o.minimumThroughput,
    windowMs: o.windowMs,
    windowType: o.windowType,
    windowSize: o.windowSize,
    resetTimeoutMs: o.resetTimeoutMs,
    backoffMultiplier: o.backoffMultiplier,
    maxResetTimeoutMs: o.maxResetTimeoutMs,
    jitter: o.jitter,
    halfOpenMaxCalls: o.halfOpenMaxCalls,
    probeTimeoutMs: o.probeTimeoutMs,
    successThreshold: o.successThreshold,
    timeoutMs: o.timeoutMs,
    isFailure: o.isFailure,
    onStateChange: o.onStateChange,
    trackLatency: o.trackLatency,
    historySize: o.historySize,
    flapThreshold: o.flapThreshold,
    flapWindowMs: o.flapWindowMs,
    retry: o.retry,
    maxConcurrent: o.maxConcurrent,
    maxQueued: o.maxQueued,
  });
}
