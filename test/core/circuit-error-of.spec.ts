import {
  CallTimeoutError,
  CircuitOpenError,
  CircuitState,
  circuitErrorOf,
} from '../../lib/index.js';

// The helper a catch-all filter uses to see the circuit error inside fetch's TypeError.

describe('circuitErrorOf', () => {
  const refusal = new CircuitOpenError('outbound:http://127.0.0.1:8080', CircuitState.Open, 5_000);

  it('finds the circuit error itself, or in the cause chain', () => {
    expect(circuitErrorOf(refusal)).toBe(refusal);
    expect(circuitErrorOf(new TypeError('fetch failed', { cause: refusal }))).toBe(refusal);
    const timeout = new CallTimeoutError('payments', 200);
    const wrapped = new Error('outer', {
      cause: new TypeError('fetch failed', { cause: timeout }),
    });
    expect(circuitErrorOf(wrapped)).toBe(timeout);
  });

  it('is undefined for anything else, a looping cause chain included', () => {
    expect(
      circuitErrorOf(new TypeError('fetch failed', { cause: new Error('ECONNREFUSED') })),
    ).toBeUndefined();
    expect(circuitErrorOf(undefined)).toBeUndefined();
    expect(circuitErrorOf('fetch failed')).toBeUndefined();
    const looping = new Error('a') as Error & { cause?: unknown };
    looping.cause = looping;
    expect(circuitErrorOf(looping)).toBeUndefined();
  });
});
