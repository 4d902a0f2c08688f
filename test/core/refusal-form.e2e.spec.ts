import { Injectable } from '@nestjs/common';
import { firstValueFrom, Observable, of } from 'rxjs';
import {
  CircuitBreaker,
  CircuitBreakerModule,
  CircuitBreakerRegistry,
  CircuitOpenError,
} from '../../lib/index.js';
import { moduleOf, startApp, type RunningApp } from './support/start-app.js';

// API.md: a sync method stays sync and an async one async, including when the circuit refuses
// its very first call. The decorator reads the declaration: `async` methods and methods declared
// to return a Promise or an Observable never throw synchronously.

@Injectable()
class Client {
  calls = 0;

  @CircuitBreaker('async')
  async viaAsync(): Promise<string> {
    this.calls++;
    return 'async';
  }

  @CircuitBreaker('promise')
  viaPromise(): Promise<string> {
    this.calls++;
    return Promise.resolve('promise');
  }

  @CircuitBreaker('observable')
  viaObservable(): Observable<string> {
    this.calls++;
    return of('observable');
  }

  @CircuitBreaker('sync')
  viaValue(): string {
    this.calls++;
    return 'sync';
  }

  @CircuitBreaker('undeclared-async')
  async undeclaredAsync() {
    this.calls++;
    return 'undeclared async';
  }
}

const NAMES = ['async', 'promise', 'observable', 'sync', 'undeclared-async'];

describe('@CircuitBreaker(): a refused first call takes the form the method declares', () => {
  let running: RunningApp;
  let client: Client;
  beforeEach(async () => {
    running = await startApp(
      moduleOf({ imports: [CircuitBreakerModule.forRoot()], providers: [Client] }),
    );
    client = running.get(Client);
    const registry = running.get(CircuitBreakerRegistry);
    for (const name of NAMES) registry.forceOpen(name); // before the first call
  });
  afterEach(() => running.close());

  it.each([
    ['an async method', (c: Client) => c.viaAsync()],
    ['a method declared to return a Promise', (c: Client) => c.viaPromise()],
    ['an async method with no return type written', (c: Client) => c.undeclaredAsync()],
  ])('%s rejects: .catch() runs, nothing is thrown', async (_kind, call) => {
    let answer: Promise<unknown> | undefined;
    expect(() => (answer = call(client).catch((error: unknown) => error))).not.toThrow();
    expect(await answer).toBeInstanceOf(CircuitOpenError);
    expect(client.calls).toBe(0);
  });

  it('a method declared to return an Observable errors its subscriber', async () => {
    let answer: Observable<string> | undefined;
    expect(() => (answer = client.viaObservable())).not.toThrow();
    await expect(firstValueFrom(answer!)).rejects.toBeInstanceOf(CircuitOpenError);
    expect(client.calls).toBe(0);
  });

  it('a method declared to return a plain value throws at once', () => {
    expect(() => client.viaValue()).toThrow(CircuitOpenError);
    expect(client.calls).toBe(0);
  });

  it('after a release, each answers in its own form', async () => {
    const registry = running.get(CircuitBreakerRegistry);
    for (const name of NAMES) registry.release(name);
    await expect(client.viaAsync()).resolves.toBe('async');
    await expect(client.viaPromise()).resolves.toBe('promise');
    await expect(client.undeclaredAsync()).resolves.toBe('undeclared async');
    await expect(firstValueFrom(client.viaObservable())).resolves.toBe('observable');
    expect(client.viaValue()).toBe('sync');
  });
});
