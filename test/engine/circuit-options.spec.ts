import { jest } from '@jest/globals';
import fc from 'fast-check';
import {
  CallTimeoutError,
  Circuit,
  CircuitOpenError,
  CircuitOptionsError,
  DEFAULT_CIRCUIT_OPTIONS,
  countsAsFailure,
  type CircuitOptions,
} from '../../lib/index.js';

/** The CircuitOptionsError that building a circuit threw. */
function optionsErrorOf(build: () => unknown): CircuitOptionsError {
  try {
    build();
  } catch (error) {
    expect(error).toBeInstanceOf(CircuitOptionsError);
    return error as CircuitOptionsError;
  }
  throw new Error('expected a CircuitOptionsError');
}

const timing = [
  'windowMs',
  'resetTimeoutMs',
  'maxResetTimeoutMs',
  'slowCallDurationMs',
  'timeoutMs',
];
const counts = ['failureThreshold', 'minimumThroughput', 'halfOpenMaxCalls', 'successThreshold'];
const ratios = ['failureRateThreshold', 'slowCallRateThreshold'];
const numeric = [...timing, ...counts, ...ratios, 'backoffMultiplier', 'jitter'];
const callbacks = ['isFailure', 'onStateChange'];

const invalid: [string, unknown][] = [
  // Wrong type, for every option.
  ...[...numeric, ...callbacks].flatMap((option): [string, unknown][] => [
    [option, '5'],
    [option, true],
    [option, null],
    // An object is an adaptive timeout to timeoutMs: one without its fields is refused for them.
    ...(option === 'timeoutMs' ? [] : [[option, {}] as [string, unknown]]),
    [option, [1]],
  ]),
  ...numeric.flatMap((option): [string, unknown][] => [
    [option, Number.NaN],
    [option, -1],
    [option, () => 1],
  ]),
  ...callbacks.map((option): [string, unknown] => [option, 1]),
  // Out of range.
  ...ratios.flatMap((option): [string, unknown][] => [
    [option, 0],
    [option, 1.0001],
    [option, -0.5],
    [option, Infinity],
  ]),
  ...counts.flatMap((option): [string, unknown][] => [
    [option, 0],
    [option, 1.5],
  ]),
  ...['minimumThroughput', 'halfOpenMaxCalls', 'successThreshold'].map(
    (option): [string, unknown] => [option, Infinity],
  ),
  ['windowMs', Infinity],
  ['timeoutMs', Infinity],
  ...['windowMs', 'slowCallDurationMs', 'timeoutMs'].map((option): [string, unknown] => [
    option,
    0,
  ]),
  ['jitter', 1.01],
  ['jitter', -0.01],
  ['backoffMultiplier', 0.99],
  ['backoffMultiplier', 0],
  ['backoffMultiplier', Infinity],
  ['timeoutMs', 2 ** 31], // setTimeout would fire at once
  ['retries', 3], // not an option at all
];

describe('Circuit options: validation at construction', () => {
  it.each(invalid)(
    'rejects %s = %p, naming the circuit, the option and the value',
    (option, value) => {
      const error = optionsErrorOf(() => new Circuit('inventory', { [option]: value }));
      expect(error.circuit).toBe('inventory');
      expect(error.option).toBe(option);
      expect(Object.is(error.value, value)).toBe(true);
      expect(error.message).toContain('"inventory"');
      expect(error.message).toContain(`"${option}"`);
    },
  );

  it.each([
    [Number.NaN, 'NaN'],
    [-1, '-1'],
    ['5', "'5'"],
    [null, 'null'],
  ])('shows the value %p in the message', (value, shown) => {
    const error = optionsErrorOf(() => new Circuit('inventory', { windowMs: value as number }));
    expect(error.message).toContain(shown);
  });

  it('needs slowCallDurationMs for slowCallRateThreshold', () => {
    const error = optionsErrorOf(() => new Circuit('search', { slowCallRateThreshold: 0.5 }));
    expect(error).toMatchObject({ circuit: 'search', option: 'slowCallRateThreshold', value: 0.5 });
    expect(error.message).toMatch(/slowCallDurationMs/);
  });

  it.each([[''], [undefined], [42], [null], [{}]])('rejects the circuit name %p', (name) => {
    const error = optionsErrorOf(() => new Circuit(name as string));
    expect(error.option).toBe('name');
    expect(Object.is(error.value, name)).toBe(true);
    expect(error.message).toMatch(/option "name" must be a non-empty string/);
  });

  it.each([[5], ['fast'], [null], [true]])(
    'rejects options %p that are not an object',
    (options) => {
      const error = optionsErrorOf(() => new Circuit('inventory', options as CircuitOptions));
      expect(error).toMatchObject({ circuit: 'inventory', option: 'options' });
    },
  );

  it('accepts the edges of every range', () => {
    const circuit = new Circuit('inventory', {
      failureThreshold: 1,
      failureRateThreshold: 1,
      slowCallDurationMs: 0.5,
      slowCallRateThreshold: 1,
      minimumThroughput: 1,
      windowMs: 1,
      resetTimeoutMs: 0,
      backoffMultiplier: 1,
      maxResetTimeoutMs: 0,
      jitter: 1,
      halfOpenMaxCalls: 1,
      successThreshold: 1,
      timeoutMs: 2 ** 31 - 1,
    });
    expect(circuit.options).toMatchObject({
      resetTimeoutMs: 0,
      jitter: 1,
      failureRateThreshold: 1,
    });
    expect(new Circuit('x', { jitter: 0, failureThreshold: Infinity }).options).toMatchObject({
      jitter: 0,
      failureThreshold: Infinity,
    });
  });

  it('takes an undefined option as not set: the default', () => {
    const circuit = new Circuit('inventory', { failureThreshold: undefined, windowMs: undefined });
    expect(circuit.options).toMatchObject({ failureThreshold: 5, windowMs: 10_000 });
  });
});

describe('Circuit options: resolved', () => {
  it('fills in the defaults of API.md', () => {
    expect(new Circuit('inventory').options).toEqual({
      failureThreshold: 5,
      failureRateThreshold: undefined,
      slowCallDurationMs: undefined,
      slowCallRateThreshold: undefined,
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
      timeoutMs: undefined,
      isFailure: countsAsFailure,
      onStateChange: undefined,
      trackLatency: false,
      historySize: 50,
      flapThreshold: 5,
      flapWindowMs: 600_000,
      retry: undefined,
      maxConcurrent: undefined,
      maxQueued: 0,
    });
    expect(new Circuit('other', {}).options).toEqual(new Circuit('inventory').options);
    expect(DEFAULT_CIRCUIT_OPTIONS).toMatchObject({ failureThreshold: 5, resetTimeoutMs: 30_000 });
  });

  it('keeps every option given', () => {
    const isFailure = () => true;
    const onStateChange = () => {};
    const given: Required<CircuitOptions> = {
      failureThreshold: 2,
      failureRateThreshold: 0.4,
      slowCallDurationMs: 300,
      slowCallRateThreshold: 0.6,
      minimumThroughput: 20,
      windowMs: 60_000,
      windowType: 'count',
      windowSize: 50,
      resetTimeoutMs: 5_000,
      backoffMultiplier: 2,
      maxResetTimeoutMs: 60_000,
      jitter: 0.1,
      halfOpenMaxCalls: 3,
      probeTimeoutMs: 45_000,
      successThreshold: 2,
      timeoutMs: 1_500,
      isFailure,
      onStateChange,
      trackLatency: true,
      historySize: 10,
      flapThreshold: 3,
      flapWindowMs: 60_000,
      retry: {
        attempts: 4,
        delayMs: 50,
        maxDelayMs: 500,
        multiplier: 3,
        jitter: 'none',
        retryOn: () => true,
        budgetRatio: 0.1,
        minRetries: 2,
        deadlineMs: 2_000,
      },
      maxConcurrent: 8,
      maxQueued: 16,
    };
    expect(new Circuit('inventory', given).options).toEqual(given);
  });

  it('is read-only', () => {
    const circuit = new Circuit('inventory', { failureThreshold: 2 });
    expect(Object.isFrozen(circuit.options)).toBe(true);
    expect(() => {
      // @ts-expect-error -- the resolved options are read-only
      circuit.options.failureThreshold = 9;
    }).toThrow(TypeError);
    expect(circuit.options.failureThreshold).toBe(2);
    // @ts-expect-error -- and so is the property
    void (() => (circuit.options = { ...circuit.options }));
  });

  it('is a copy: changing the object given afterwards changes nothing', () => {
    const given: CircuitOptions = { failureThreshold: 2 };
    const circuit = new Circuit('inventory', given);
    given.failureThreshold = 1;
    expect(circuit.options.failureThreshold).toBe(2);
    try {
      circuit.executeSync(() => {
        throw new Error('down');
      });
    } catch {
      // the function's own error
    }
    expect(circuit.state).toBe('closed'); // 1 failure of 2
  });
});

describe('Circuit options: nothing fails later, at call time', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  const validOptions = fc.record(
    {
      failureThreshold: fc.oneof(fc.integer({ min: 1, max: 5 }), fc.constant(Infinity)),
      failureRateThreshold: fc.double({ min: Number.MIN_VALUE, max: 1, noNaN: true }),
      slowCallDurationMs: fc.integer({ min: 1, max: 50 }),
      slowCallRateThreshold: fc.double({ min: Number.MIN_VALUE, max: 1, noNaN: true }),
      minimumThroughput: fc.integer({ min: 1, max: 5 }),
      windowMs: fc.oneof(
        fc.integer({ min: 1, max: 1_000 }),
        fc.double({ min: 0.001, max: 10, noNaN: true }),
      ),
      resetTimeoutMs: fc.oneof(
        fc.constant(0),
        fc.integer({ min: 0, max: 100 }),
        fc.constant(2 ** 31 - 1),
      ),
      backoffMultiplier: fc.oneof(fc.double({ min: 1, max: 1e6, noNaN: true }), fc.constant(1e300)),
      maxResetTimeoutMs: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
      jitter: fc.double({ min: 0, max: 1, noNaN: true }),
      halfOpenMaxCalls: fc.integer({ min: 1, max: 3 }),
      successThreshold: fc.integer({ min: 1, max: 3 }),
      timeoutMs: fc.integer({ min: 1, max: 100 }),
    },
    { requiredKeys: [] },
  );
  const calls = fc.array(
    fc.record({ fails: fc.boolean(), ms: fc.integer({ min: 0, max: 150 }), wait: fc.nat(500) }),
    { maxLength: 15 },
  );

  it('runs calls under any valid options without an error of its own', async () => {
    await fc.assert(
      fc.asyncProperty(validOptions, calls, async (options, sequence) => {
        if (options.slowCallRateThreshold !== undefined && options.slowCallDurationMs === undefined)
          return; // invalid together: tested above
        const circuit = new Circuit('any', options);
        const own = new Error('own');
        for (const { fails, ms, wait } of sequence) {
          const answer = (async () => {
            try {
              return {
                value: await circuit.execute(
                  () =>
                    new Promise((resolve, reject) =>
                      setTimeout(() => (fails ? reject(own) : resolve('ok')), ms),
                    ),
                ),
              };
            } catch (thrown) {
              return { thrown };
            }
          })();
          await jest.advanceTimersByTimeAsync(ms);
          const result = await answer;
          if ('thrown' in result && result.thrown !== own) {
            expect([CircuitOpenError, CallTimeoutError]).toContain(
              (result.thrown as object).constructor,
            );
          }
          jest.advanceTimersByTime(wait);
          for (const value of Object.values(circuit.stats())) {
            if (typeof value === 'number') expect(Number.isFinite(value)).toBe(true);
          }
        }
        expect(JSON.parse(JSON.stringify(circuit.stats()))).toEqual(circuit.stats());
      }),
      { numRuns: 200 },
    );
  });
});
