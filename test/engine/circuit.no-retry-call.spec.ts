import { Circuit } from '../../lib/index.js';

// execute(fn, { retry: false }): one call tried once whatever the circuit's retry says (a POST
// must not run twice); the other calls keep their retries.

function failing() {
  let calls = 0;
  const fn = async () => {
    calls++;
    throw new Error('down');
  };
  return { fn, calls: () => calls };
}

describe('Circuit: execute with retry: false', () => {
  const options = {
    failureThreshold: 100,
    retry: { attempts: 3, delayMs: 1, jitter: 'none' as const },
  };

  it('tries the call once, and the error reaches the caller', async () => {
    const circuit = new Circuit('no-retry', options);
    const { fn, calls } = failing();
    await expect(circuit.execute(fn, { retry: false })).rejects.toThrow('down');
    expect(calls()).toBe(1);
    expect(circuit.stats().retry).toEqual({ retries: 0, refused: 0, budgetExhausted: 0 });
  });

  it('leaves the other calls of the circuit retried', async () => {
    const circuit = new Circuit('with-retry', options);
    const { fn, calls } = failing();
    await expect(circuit.execute(fn)).rejects.toThrow('down');
    expect(calls()).toBe(3);
  });
});
