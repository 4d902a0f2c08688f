// The checks shared by a circuit's options, its `retry` and its adaptive `timeoutMs`, and the one
// loop that applies a table of them. A leaf on purpose: the modules that declare those options
// import one another, and build their tables from these checks while they load.
import { MAX_TIMER_MS } from './clock.js';
import { CircuitOptionsError } from './errors/circuit-options.error.js';

/** Whether a value is valid for an option. */
export type OptionCheck = (value: unknown) => boolean;

/** An option's check, and what a valid value looks like, for the message when the check fails. */
export type OptionRule = readonly [check: OptionCheck, expected: string];

/** A rule for every option of `T`, the optional ones included: its keys are all the options there are. */
export type OptionRules<T> = { readonly [K in keyof T]-?: OptionRule };

/** A number, NaN excluded (the infinities pass: each rule bounds them itself). */
export const isNumber = (value: unknown): value is number =>
  typeof value === 'number' && !Number.isNaN(value);

/** An integer ≥ 1. */
export const count: OptionCheck = (value) => Number.isInteger(value) && (value as number) >= 1;

/** Milliseconds a timer can wait, 0 included. */
const delay: OptionCheck = (value) => isNumber(value) && value >= 0 && value <= MAX_TIMER_MS;

/** Milliseconds a timer can wait, 0 excluded. */
export const positiveDelay: OptionCheck = (value) =>
  isNumber(value) && value > 0 && value <= MAX_TIMER_MS;

/** `delay`, with what it asks for. */
export const DELAY_RULE: OptionRule = [delay, `a number of milliseconds in [0, ${MAX_TIMER_MS}]`];

/** `positiveDelay`, with what it asks for. */
export const POSITIVE_DELAY_RULE: OptionRule = [
  positiveDelay,
  `a number of milliseconds in (0, ${MAX_TIMER_MS}]`,
];

/** `count`, with what it asks for. */
export const COUNT_RULE: OptionRule = [count, 'an integer ≥ 1'];

/** An integer ≥ 0. */
export const ZERO_OR_MORE_RULE: OptionRule = [
  (value) => Number.isInteger(value) && (value as number) >= 0,
  'an integer ≥ 0',
];

/** A factor each step is multiplied by: finite, and never shrinking. */
export const MULTIPLIER_RULE: OptionRule = [
  (value) => isNumber(value) && value >= 1 && value < Infinity,
  'a finite number ≥ 1',
];

/** A callback that picks errors (`isFailure`, `retryOn`). */
export const ERROR_TEST_RULE: OptionRule = [
  (value) => typeof value === 'function',
  'a function (error) => boolean',
];

/**
 * Checks each option `given` sets against its rule in `rules` and copies it `into` the options
 * being resolved. An `undefined` value means "not set here" and is skipped. Throws
 * `CircuitOptionsError` for the first option that has no rule or fails its rule, naming it
 * `${prefix}${option}` (`retry.attempts`).
 */
export function mergeCheckedOptions(
  circuit: string,
  prefix: string,
  rules: { readonly [option: string]: OptionRule },
  given: object,
  into: Record<string, unknown>,
): void {
  for (const [option, value] of Object.entries(given)) {
    if (value === undefined) continue;
    if (!Object.hasOwn(rules, option)) {
      throw new CircuitOptionsError(
        circuit,
        `${prefix}${option}`,
        value,
        `one of ${Object.keys(rules).join(', ')}`,
      );
    }
    const [valid, expected] = rules[option];
    if (!valid(value))
      throw new CircuitOptionsError(circuit, `${prefix}${option}`, value, expected);
    into[option] = value;
  }
}
