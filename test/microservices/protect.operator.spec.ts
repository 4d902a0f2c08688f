import { jest } from '@jest/globals';
import { firstValueFrom, NEVER, Observable, of, throwError } from 'rxjs';
import {
  CallTimeoutError,
  Circuit,
  CircuitOpenError,
  CircuitState,
  protect,
} from '../../lib/index.js';

// protect(circuit) on any cold Observable, as a ClientProxy's send() is: no NestJS, fake timers.

/** A cold source that counts its subscriptions and tells when each one ends. */
function counted<T>(behaviour: Observable<T>) {
  const seen = { subscribed: 0, ended: 0 };
  const source = new Observable<T>((subscriber) => {
    seen.subscribed += 1;
    const inner = behaviour.subscribe(subscriber);
    return () => {
      seen.ended += 1;
      inner.unsubscribe();
    };
  });
  return { source, seen };
}

const errorOf = (call: Observable<unknown>) =>
  firstValueFrom(call).then(
    () => undefined,
    (error: unknown) => error,
  );

describe('protect(circuit): an rxjs operator', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('makes each subscription one call, and subscribes to the source only then', async () => {
    const circuit = new Circuit('orders-service');
    const { source, seen } = counted(of('order'));
    const call = source.pipe(protect(circuit));
    expect(seen.subscribed).toBe(0);
    await expect(firstValueFrom(call)).resolves.toBe('order');
    await expect(firstValueFrom(call)).resolves.toBe('order');
    expect(seen.subscribed).toBe(2);
    expect(circuit.stats()).toMatchObject({ totalCalls: 2, successes: 2 });
  });

  it('refuses without subscribing once the circuit is open', async () => {
    const circuit = new Circuit('orders-service', { failureThreshold: 2 });
    const { source, seen } = counted(throwError(() => new Error('down')));
    const call = source.pipe(protect(circuit));
    await errorOf(call);
    await errorOf(call);
    expect(circuit.state).toBe(CircuitState.Open);
    const refusal = await errorOf(call);
    expect(refusal).toBeInstanceOf(CircuitOpenError);
    expect(seen.subscribed).toBe(2);
  });

  it('times out at timeoutMs with CallTimeoutError, ending the source’s subscription then', async () => {
    const circuit = new Circuit('orders-service', { timeoutMs: 100 });
    const { source, seen } = counted(NEVER);
    const error = errorOf(source.pipe(protect(circuit)));
    await jest.advanceTimersByTimeAsync(99);
    expect(seen.ended).toBe(0);
    await jest.advanceTimersByTimeAsync(1);
    expect(await error).toBeInstanceOf(CallTimeoutError);
    expect(seen).toEqual({ subscribed: 1, ended: 1 });
  });

  it('frees the call, uncounted, when the caller unsubscribes before the answer', async () => {
    const circuit = new Circuit('orders-service');
    const { source, seen } = counted(NEVER);
    source.pipe(protect(circuit)).subscribe().unsubscribe();
    await jest.advanceTimersByTimeAsync(0);
    expect(seen.ended).toBe(1);
    expect(circuit.stats()).toMatchObject({ inFlight: 0, failures: 0, successes: 0 });
  });
});
