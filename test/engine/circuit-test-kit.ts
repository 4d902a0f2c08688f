// Small helpers shared by the engine's specs. Not a spec itself.
import { jest } from '@jest/globals';
import { Circuit, CircuitState, type CircuitOptions } from '../../lib/index.js';

/** What the caller of `execute` got: a value, or something thrown (synchronously or not). */
export type Answer = { value: unknown } | { thrown: unknown };

// `fails()` throws a fresh Error('down'); `fails(undefined)` throws undefined.
const errorOf = (given: unknown[]): unknown => (given.length > 0 ? given[0] : new Error('down'));

/** A function that throws `error` (a fresh `Error('down')` when none is given). */
export const fails =
  (...error: [unknown?]) =>
  (): never => {
    throw errorOf(error);
  };

/** An async function that rejects with `error` (a fresh `Error('down')` when none is given). */
export const failsAsync =
  (...error: [unknown?]) =>
  async (): Promise<never> => {
    throw errorOf(error);
  };

/** A function whose promise resolves to `value` after `ms` of the (fake) clock. */
export const takes =
  <T = string>(ms: number, value: T = 'ok' as T) =>
  (): Promise<T> =>
    new Promise<T>((resolve) => setTimeout(() => resolve(value), ms));

/** A function whose promise rejects with `error` after `ms` of the (fake) clock. */
export const failsAfter =
  (ms: number, error: unknown = new Error('down')) =>
  (): Promise<never> =>
    new Promise<never>((_resolve, reject) => setTimeout(() => reject(error), ms));

/**
 * Runs `fn` through the circuit synchronously and says what the caller got. A promise it got
 * instead is handled, so that a test that expected none fails on its assertions rather than on
 * an unhandled rejection.
 */
export function attempt(
  circuit: Circuit,
  fn: (signal: AbortSignal | undefined) => unknown,
): Answer {
  try {
    const value = circuit.executeSync(fn);
    if (value instanceof Promise) value.catch(() => {});
    return { value };
  } catch (thrown) {
    return { thrown };
  }
}

/** What `execute` threw synchronously (fails the test if it threw nothing). */
export function thrownBy(run: () => unknown): unknown {
  try {
    run();
  } catch (thrown) {
    return thrown;
  }
  throw new Error('expected a synchronous throw');
}

/** Runs `fn` through the circuit and waits for the answer, however it comes. */
export async function answerOf(
  circuit: Circuit,
  fn: (signal: AbortSignal | undefined) => unknown,
): Promise<Answer> {
  let result: unknown;
  try {
    result = circuit.execute(fn);
  } catch (thrown) {
    return { thrown };
  }
  try {
    return { value: await result };
  } catch (thrown) {
    return { thrown };
  }
}

/** Runs sync calls in order: `S` succeeds, `F` throws a counted error. */
export function run(circuit: Circuit, outcomes: string): void {
  for (const outcome of outcomes) attempt(circuit, outcome === 'F' ? fails() : () => 'ok');
}

/** A circuit opened by one failure (resetTimeoutMs 1 s unless told otherwise). */
export function openCircuit(options: CircuitOptions = {}, name = 'payments'): Circuit {
  const circuit = new Circuit(name, { failureThreshold: 1, resetTimeoutMs: 1_000, ...options });
  attempt(circuit, fails());
  expect(circuit.state).toBe(CircuitState.Open);
  return circuit;
}

/** A circuit brought to half-open: opened, then its open duration waited out. */
export function halfOpenCircuit(options: CircuitOptions = {}, name = 'payments'): Circuit {
  const circuit = openCircuit(options, name);
  jest.advanceTimersByTime(circuit.stats().retryAfterMs);
  expect(circuit.state).toBe(CircuitState.HalfOpen);
  return circuit;
}

/** Mutes and records the process warnings the engine emits for a throwing user callback. */
export function captureWarnings() {
  return jest.spyOn(process, 'emitWarning').mockImplementation(() => {});
}

/** What `stats()` shows of a circuit that is closed and has counted nothing yet. */
export const FRESH_STATS = {
  state: 'closed',
  consecutiveFailures: 0,
  totalCalls: 0,
  successes: 0,
  failures: 0,
  rejections: 0,
  timeouts: 0,
  slowCalls: 0,
  ignored: 0,
  windowCalls: 0,
  failureRate: 0,
  slowCallRate: 0,
  lastFailureAt: null,
} as const;
