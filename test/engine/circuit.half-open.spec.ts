import { jest } from '@jest/globals';
import { BadRequestException } from '@nestjs/common';
import { Circuit, CircuitOpenError, CircuitState } from '../../lib/index.js';

const fail = async () => {
  throw new Error('down');
};

async function openCircuit(options: ConstructorParameters<typeof Circuit>[1] = {}) {
  const circuit = new Circuit('payments', {
    failureThreshold: 1,
    resetTimeoutMs: 1_000,
    ...options,
  });
  await expect(circuit.execute(fail)).rejects.toThrow('down');
  expect(circuit.state).toBe(CircuitState.Open);
  return circuit;
}

describe('Circuit: open → half-open → closed or open again', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('turns half-open from the clock after resetTimeoutMs (30 s by default), with no timer', async () => {
    const circuit = new Circuit('payments', { failureThreshold: 1 });
    const timers = jest.getTimerCount();
    await expect(circuit.execute(fail)).rejects.toThrow('down');
    expect(jest.getTimerCount()).toBe(timers); // no timer for the open period
    jest.advanceTimersByTime(29_999);
    expect(circuit.state).toBe(CircuitState.Open);
    expect(circuit.stats().retryAfterMs).toBe(1);
    jest.advanceTimersByTime(1);
    expect(circuit.state).toBe(CircuitState.HalfOpen);
    expect(circuit.stats().retryAfterMs).toBe(0);
  });

  it('lets exactly halfOpenMaxCalls probes of 1,000 concurrent callers reach the function', async () => {
    for (const halfOpenMaxCalls of [1, 3]) {
      const circuit = await openCircuit({ halfOpenMaxCalls });
      jest.advanceTimersByTime(1_000);
      let reached = 0;
      let release!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      const probe = async () => {
        reached++;
        await gate;
        return 'ok';
      };
      const answers = Array.from({ length: 1_000 }, () =>
        circuit.execute(probe).then(
          (value) => value,
          (error: unknown) => error,
        ),
      );
      release();
      const results = await Promise.all(answers);
      expect(reached).toBe(halfOpenMaxCalls);
      expect(results.filter((r) => r === 'ok')).toHaveLength(halfOpenMaxCalls);
      expect(results.filter((r) => r instanceof CircuitOpenError)).toHaveLength(
        1_000 - halfOpenMaxCalls,
      );
      expect(circuit.stats().rejections).toBe(1_000 - halfOpenMaxCalls);
    }
  });

  it('closes after successThreshold successful probes, and reopens on a failed probe', async () => {
    const circuit = await openCircuit({ successThreshold: 2 });
    jest.advanceTimersByTime(1_000);
    await circuit.execute(async () => 'ok');
    expect(circuit.state).toBe(CircuitState.HalfOpen);
    await circuit.execute(async () => 'ok');
    expect(circuit.state).toBe(CircuitState.Closed);

    await expect(circuit.execute(fail)).rejects.toThrow('down');
    jest.advanceTimersByTime(1_000);
    await circuit.execute(async () => 'ok');
    await expect(circuit.execute(fail)).rejects.toThrow('down'); // the 2nd probe fails
    expect(circuit.state).toBe(CircuitState.Open);
    expect(circuit.stats().retryAfterMs).toBe(1_000);
  });

  it('an ignored error of a probe neither closes nor reopens the circuit', async () => {
    const counted = await openCircuit();
    jest.advanceTimersByTime(1_000);
    await expect(
      counted.execute(async () => {
        throw new BadRequestException();
      }),
    ).rejects.toBeInstanceOf(BadRequestException);
    expect(counted.state).toBe(CircuitState.HalfOpen);
    await counted.execute(async () => 'ok'); // the permit was given back
    expect(counted.state).toBe(CircuitState.Closed);
  });

  it('a late answer of a call from before the circuit opened changes nothing', async () => {
    const circuit = new Circuit('payments', { failureThreshold: 1, resetTimeoutMs: 1_000 });
    let finishSlow!: () => void;
    const slow = circuit.execute(
      () => new Promise<string>((resolve) => (finishSlow = () => resolve('late'))),
    );
    await expect(circuit.execute(fail)).rejects.toThrow('down');
    expect(circuit.state).toBe(CircuitState.Open);
    finishSlow();
    await expect(slow).resolves.toBe('late');
    expect(circuit.state).toBe(CircuitState.Open); // not closed by a success of another epoch
    expect(circuit.stats().successes).toBe(1);
  });
});

describe('Circuit: backoff and jitter of the open duration', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => {
    jest.useRealTimers();
    jest.restoreAllMocks();
  });

  async function failProbe(circuit: Circuit): Promise<number> {
    jest.advanceTimersByTime(circuit.stats().retryAfterMs);
    await expect(circuit.execute(fail)).rejects.toThrow('down');
    return circuit.stats().retryAfterMs;
  }

  it('multiplies the open duration by backoffMultiplier per failed probe, up to maxResetTimeoutMs', async () => {
    const circuit = await openCircuit({ backoffMultiplier: 2, maxResetTimeoutMs: 5_000 });
    expect(circuit.stats().retryAfterMs).toBe(1_000);
    expect(await failProbe(circuit)).toBe(2_000);
    expect(await failProbe(circuit)).toBe(4_000);
    expect(await failProbe(circuit)).toBe(5_000); // capped
    jest.advanceTimersByTime(5_000);
    await circuit.execute(async () => 'ok'); // closes: backoff starts afresh
    await expect(circuit.execute(fail)).rejects.toThrow('down');
    expect(circuit.stats().retryAfterMs).toBe(1_000);
  });

  it('keeps the open duration fixed with the default backoffMultiplier 1', async () => {
    const circuit = await openCircuit();
    expect(await failProbe(circuit)).toBe(1_000);
    expect(await failProbe(circuit)).toBe(1_000);
  });

  it('spreads the open duration by up to ±jitter of itself', async () => {
    const random = jest.spyOn(Math, 'random');
    const durations: number[] = [];
    for (const value of [0, 0.5, 0.999999]) {
      random.mockReturnValue(value);
      const circuit = await openCircuit({ jitter: 0.2 });
      durations.push(circuit.stats().retryAfterMs);
    }
    expect(durations).toEqual([800, 1_000, 1_200]);
  });
});
