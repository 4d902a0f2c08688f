// What the engine's model tests share: cheap comparisons, the stats they read, the fake clock.
// Not a spec itself. Each model stays its own, written from its own document.
import { jest } from '@jest/globals';
import fc from 'fast-check';
import { isDeepStrictEqual } from 'node:util';
import { Circuit, type CircuitOptions, type CircuitStats } from '../../lib/index.js';

/** The system under test of a model test. */
export interface Real {
  circuit: Circuit;
}

// Jest's expect() costs several microseconds a call, most of the run time here: compare
// cheaply, and let expect() report a difference.
export function agree(actual: unknown, expected: unknown): void {
  if (!isDeepStrictEqual(actual, expected)) expect(actual).toEqual(expected);
}

export function same(actual: unknown, expected: unknown): void {
  if (actual !== expected) expect(actual).toBe(expected);
}

export function isA(actual: unknown, type: new (...args: never[]) => unknown): void {
  if (!(actual instanceof type)) expect(actual).toBeInstanceOf(type);
}

/** An epoch time as stats show it. */
export const iso = (time: number | null) => (time === null ? null : new Date(time).toISOString());

/** The circuit's stats agree with `expected` in every field it names. */
export function expectStats(circuit: Circuit, expected: Partial<CircuitStats>): void {
  const stats = circuit.stats();
  const actual = Object.fromEntries(Object.keys(expected).map((key) => [key, stats[key as never]]));
  agree(actual, expected);
}

/** Moves the fake clock on, running the timers and promise reactions due meanwhile. */
export async function advanceBy(ms: number): Promise<void> {
  if (ms > 0) await jest.advanceTimersByTimeAsync(ms);
}

const RUNS = Number(process.env.MODEL_RUNS ?? 3_000);
// A bound on the test's own CPU work, not a speed it must reach: 3,000 runs take 2.5 s (the
// circuit's model) and 6 s (the policies') on an idle machine, 19 s and 35 s on a loaded one (2
// cores, a busy loop and another test file beside it), up to 43 s and 101 s on a busier one,
// where 60 s was too close. 100 ms a run: five minutes for the default runs.
const TEST_TIMEOUT_MS = Math.max(300_000, RUNS * 100);

/**
 * The one test of a model spec: `MODEL_RUNS` (3,000) random sequences of `commands`, each on a
 * fresh model and circuit built from a random config, on Jest's fake clock.
 */
export function agreesWithModel<Config, M extends object>(
  title: string,
  configs: fc.Arbitrary<Config>,
  commands: fc.Arbitrary<Iterable<fc.AsyncCommand<M, Real>>>,
  modelOf: (config: Config, now: number) => M,
  optionsOf: (config: Config) => CircuitOptions,
): void {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it(
    title,
    async () => {
      await fc.assert(
        fc.asyncProperty(configs, commands, async (config, sequence) => {
          const setup = () => ({
            model: modelOf(config, Date.now()),
            real: { circuit: new Circuit('model', optionsOf(config)) },
          });
          await fc.asyncModelRun(setup, sequence);
        }),
        { numRuns: RUNS },
      );
    },
    TEST_TIMEOUT_MS,
  );
}
