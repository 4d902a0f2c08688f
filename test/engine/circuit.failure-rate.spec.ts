import { jest } from '@jest/globals';
import { BadRequestException } from '@nestjs/common';
import { Circuit, CircuitState, type CircuitStateChange } from '../../lib/index.js';
import { attempt, fails, run } from './circuit-test-kit.js';

// The rolling window keeps ten buckets of a tenth of windowMs each: a call leaves it between
// 0.9 and 1 window after it was made. Tests that wait for calls to leave wait a full window.

describe('Circuit: failureRateThreshold over the rolling window', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('opens when failures / calls reaches the threshold, not below it', () => {
    const at = new Circuit('at', { failureRateThreshold: 0.3, failureThreshold: Infinity });
    run(at, 'SSSSSSSFF');
    expect(at.state).toBe(CircuitState.Closed);
    run(at, 'F'); // 3 / 10 = 0.3: reached (no 0.3 × 10 = 3.0000000000000004 rounding)
    expect(at.state).toBe(CircuitState.Open);

    const below = new Circuit('below', { failureRateThreshold: 0.3, failureThreshold: Infinity });
    run(below, 'SSSSSSSSFF'); // 2 / 10
    run(below, 'SSSSSSSSSF'); // 3 / 20
    expect(below.state).toBe(CircuitState.Closed);
    expect(below.stats()).toMatchObject({ windowCalls: 20, failureRate: 0.15 });
  });

  it('opens with the reason failure_rate, even with no consecutive failures', () => {
    const changes: CircuitStateChange[] = [];
    const circuit = new Circuit('search', {
      failureRateThreshold: 0.5,
      minimumThroughput: 4,
      onStateChange: (change) => changes.push(change),
    });
    run(circuit, 'FSFSFS'); // never two failures in a row
    expect(circuit.state).toBe(CircuitState.Open);
    expect(changes).toEqual([expect.objectContaining({ to: 'open', reason: 'failure_rate' })]);
  });

  it('is off by default: a closed circuit with every call failing stays closed', () => {
    const circuit = new Circuit('search', { failureThreshold: Infinity });
    expect(circuit.options.failureRateThreshold).toBeUndefined();
    run(circuit, 'F'.repeat(100));
    expect(circuit.state).toBe(CircuitState.Closed);
  });

  it('waits for minimumThroughput calls in the window, 10 by default', () => {
    const circuit = new Circuit('search', {
      failureRateThreshold: 0.5,
      failureThreshold: Infinity,
    });
    run(circuit, 'FFFFFFFFF'); // a rate of 1, over 9 calls
    expect(circuit.state).toBe(CircuitState.Closed);
    run(circuit, 'F');
    expect(circuit.state).toBe(CircuitState.Open);

    const three = new Circuit('three', {
      failureRateThreshold: 1,
      minimumThroughput: 3,
      failureThreshold: Infinity,
    });
    run(three, 'FF');
    expect(three.state).toBe(CircuitState.Closed);
    run(three, 'F');
    expect(three.state).toBe(CircuitState.Open);
  });

  it('opens on the success that brings the window up to minimumThroughput, the rate being there', () => {
    const circuit = new Circuit('search', {
      failureRateThreshold: 0.5,
      minimumThroughput: 4,
      failureThreshold: Infinity,
    });
    run(circuit, 'FSF'); // 2 of 3: over the rate, under the throughput
    expect(circuit.state).toBe(CircuitState.Closed);
    run(circuit, 'S'); // 2 of 4 = 0.5
    expect(circuit.state).toBe(CircuitState.Open);
  });

  it('forgets calls older than windowMs, 10 s by default', () => {
    const circuit = new Circuit('search', {
      failureRateThreshold: 0.5,
      minimumThroughput: 4,
      failureThreshold: Infinity,
    });
    run(circuit, 'FF');
    jest.advanceTimersByTime(9_000); // 0.9 window: still in
    expect(circuit.stats()).toMatchObject({ windowCalls: 2, failureRate: 1 });
    jest.advanceTimersByTime(1_000); // a full window: out, whatever bucket they fell in
    expect(circuit.stats()).toMatchObject({ windowCalls: 0, failureRate: 0 });
    run(circuit, 'SS'); // F F S S would have been 0.5
    expect(circuit.state).toBe(CircuitState.Closed);
    run(circuit, 'SF'); // 1 of 4 now
    expect(circuit.state).toBe(CircuitState.Closed);
    expect(circuit.stats()).toMatchObject({ windowCalls: 4, failureRate: 0.25 });
  });

  it('rolls: calls leave one bucket at a time, by their age', () => {
    const circuit = new Circuit('search', {
      failureRateThreshold: 1,
      minimumThroughput: 100,
      windowMs: 1_000,
    });
    run(circuit, 'SS');
    jest.advanceTimersByTime(500);
    run(circuit, 'FFF');
    jest.advanceTimersByTime(500); // the first two are a window old
    expect(circuit.stats()).toMatchObject({ windowCalls: 3, failureRate: 1 });
    jest.advanceTimersByTime(500);
    expect(circuit.stats()).toMatchObject({ windowCalls: 0 });
  });

  it('opens on a success when older successes leaving the window raised the rate', () => {
    const circuit = new Circuit('search', {
      failureRateThreshold: 0.5,
      minimumThroughput: 4,
      failureThreshold: Infinity,
    });
    run(circuit, 'SSSS');
    jest.advanceTimersByTime(5_000);
    run(circuit, 'FFFS'); // 3 of 8
    expect(circuit.state).toBe(CircuitState.Closed);
    jest.advanceTimersByTime(5_000); // the first four successes leave: 3 of 4
    run(circuit, 'S'); // 3 of 5 = 0.6, over the threshold
    expect(circuit.stats().failureRate).toBe(0.6);
    expect(circuit.state).toBe(CircuitState.Open);
  });

  it('leaves ignored errors out of the calls: they neither dilute nor raise the rate', () => {
    const isFailure = (error: unknown) => !(error instanceof BadRequestException);
    const diluted = new Circuit('diluted', {
      failureRateThreshold: 0.5,
      minimumThroughput: 2,
      failureThreshold: Infinity,
      isFailure,
    });
    run(diluted, 'F');
    for (let i = 0; i < 5; i++) attempt(diluted, fails(new BadRequestException()));
    expect(diluted.stats()).toMatchObject({ windowCalls: 1, ignored: 5 });
    run(diluted, 'S'); // 1 of 2 (1 of 7 had the ignored ones counted)
    expect(diluted.state).toBe(CircuitState.Open);

    const raised = new Circuit('raised', { failureRateThreshold: 0.5, minimumThroughput: 2 });
    for (let i = 0; i < 5; i++) attempt(raised, fails(new BadRequestException()));
    expect(raised.stats()).toMatchObject({ windowCalls: 0, failures: 0, failureRate: 0 });
    expect(raised.state).toBe(CircuitState.Closed);
  });

  it('starts the window afresh when the circuit closes again', () => {
    const circuit = new Circuit('search', {
      failureRateThreshold: 0.5,
      minimumThroughput: 2,
      resetTimeoutMs: 1_000,
    });
    run(circuit, 'FF');
    expect(circuit.state).toBe(CircuitState.Open);
    jest.advanceTimersByTime(1_000);
    run(circuit, 'S'); // the probe closes it
    expect(circuit.state).toBe(CircuitState.Closed);
    expect(circuit.stats()).toMatchObject({ windowCalls: 0, failureRate: 0 });
    run(circuit, 'F'); // 1 of 1: under the throughput; with the old window, 3 of 3
    expect(circuit.state).toBe(CircuitState.Closed);
  });
});
