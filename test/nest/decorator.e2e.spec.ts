import { jest } from '@jest/globals';
import {
  BadRequestException,
  Injectable,
  Scope,
  type INestApplicationContext,
} from '@nestjs/common';
import { ContextIdFactory } from '@nestjs/core';
import { Observable, firstValueFrom, of, throwError } from 'rxjs';
import {
  CallTimeoutError,
  CircuitBreaker,
  CircuitBreakerModule,
  CircuitBreakerRegistry,
  CircuitOpenError,
  CircuitOptionsError,
  CircuitState,
} from '../../lib/index.js';
import { startContext } from './support/app-context.js';

@Injectable()
class PaymentsClient {
  calls = 0;
  failing = false;

  @CircuitBreaker()
  async unnamed(): Promise<string> {
    return 'ok';
  }

  @CircuitBreaker('payments')
  async charge(amount: number): Promise<number> {
    this.calls++;
    if (this.failing) throw new Error('payments down');
    return amount;
  }

  @CircuitBreaker('payments')
  async refund(amount: number): Promise<number> {
    return -amount;
  }

  @CircuitBreaker({ name: 'ledger', failureThreshold: 1 })
  record(entry: string): string {
    if (this.failing) throw new Error('ledger down');
    return `recorded ${entry}`;
  }
}

@Injectable()
class QuotesClient {
  prefix = 'quote';
  answer: 'ok' | 'down' | 'bad request' | 'hang' = 'ok';
  seen: Array<{ self: unknown; args: unknown[] }> = [];

  @CircuitBreaker({ name: 'quotes', failureThreshold: 1, timeoutMs: 50, fallback: 'cached' })
  async quote(sku: string, quantity: number): Promise<string> {
    if (this.answer === 'down') throw new Error('quotes down');
    if (this.answer === 'bad request') throw new BadRequestException('no such sku');
    if (this.answer === 'hang') return new Promise<string>(() => {});
    return `${this.prefix} ${sku} x${quantity}`;
  }

  cached(error: unknown, sku: string, quantity: number): string {
    this.seen.push({ self: this, args: [error, sku, quantity] });
    return `cached ${sku} x${quantity}`;
  }

  @CircuitBreaker({
    name: 'rates',
    failureThreshold: 1,
    fallback(this: QuotesClient, error: unknown, currency: string) {
      return `${this.prefix}: ${currency} from the fallback function (${(error as Error).message})`;
    },
  })
  async rate(currency: string): Promise<string> {
    throw new Error(`no rate for ${currency}`);
  }
}

@Injectable()
class StreamClient {
  subscriptions = 0;
  mode: 'value' | 'error' | 'empty' = 'value';

  @CircuitBreaker({ name: 'stream', failureThreshold: 2 })
  prices(): Observable<number> {
    return new Observable<number>((subscriber) => {
      this.subscriptions++;
      if (this.mode === 'error') subscriber.error(new Error('stream down'));
      else if (this.mode === 'empty') subscriber.complete();
      else {
        subscriber.next(1);
        subscriber.next(2);
        subscriber.complete();
      }
    });
  }

  @CircuitBreaker({ name: 'stream-fallback', failureThreshold: 1, fallback: 'none' })
  failing(): Observable<number> {
    return throwError(() => new Error('down'));
  }

  none(): Observable<number> {
    return of(0);
  }
}

@Injectable({ scope: Scope.TRANSIENT })
class TransientClient {
  @CircuitBreaker({ name: 'transient', failureThreshold: 1 })
  async call(): Promise<string> {
    throw new Error('transient down');
  }
}

@Injectable({ scope: Scope.REQUEST })
class PerRequestClient {
  @CircuitBreaker({ name: 'per-request', failureThreshold: 1, fallback: 'fallback' })
  async call(): Promise<string> {
    throw new Error('down');
  }

  fallback(): string {
    return 'fallback';
  }
}

describe('@CircuitBreaker() on provider methods', () => {
  let app: INestApplicationContext;
  let registry: CircuitBreakerRegistry;
  beforeEach(async () => {
    app = await startContext({
      imports: [CircuitBreakerModule.forRoot()],
      providers: [PaymentsClient, QuotesClient, StreamClient, TransientClient, PerRequestClient],
    });
    registry = app.get(CircuitBreakerRegistry);
  });
  afterEach(() => app.close());

  it('names the circuit ClassName.methodName, or as told; methods sharing a name share it', async () => {
    const payments = app.get(PaymentsClient);
    await payments.unnamed();
    expect(registry.get('PaymentsClient.unnamed')?.stats().successes).toBe(1);
    await payments.charge(5);
    await payments.refund(5);
    expect(registry.get('payments')?.stats().successes).toBe(2);
    expect(registry.names()).toEqual(
      expect.arrayContaining(['PaymentsClient.unnamed', 'payments', 'ledger', 'quotes', 'rates']),
    );
  });

  it('applies the decorator’s options; a sync method stays sync', () => {
    const payments = app.get(PaymentsClient);
    expect(payments.record('a')).toBe('recorded a'); // a value, not a promise
    expect(registry.get('ledger')!.options.failureThreshold).toBe(1);
    payments.failing = true;
    expect(() => payments.record('b')).toThrow('ledger down');
    expect(() => payments.record('c')).toThrow(CircuitOpenError); // thrown at once, sync
  });

  it('opens after its threshold and then rejects without running the body', async () => {
    const payments = app.get(PaymentsClient);
    payments.failing = true;
    for (let i = 0; i < 5; i++) await expect(payments.charge(1)).rejects.toThrow('payments down');
    await expect(payments.charge(1)).rejects.toBeInstanceOf(CircuitOpenError);
    expect(payments.calls).toBe(5);
  });

  it('resolves the circuit once, at start-up: no registry look-up per call', async () => {
    const getOrCreate = jest.spyOn(registry, 'getOrCreate');
    const get = jest.spyOn(registry, 'get');
    for (let i = 0; i < 10; i++) await app.get(PaymentsClient).charge(1);
    expect(getOrCreate).not.toHaveBeenCalled();
    expect(get).not.toHaveBeenCalled();
  });

  it('falls back by method name with (error, ...args) and the instance as this', async () => {
    const quotes = app.get(QuotesClient);
    expect(await quotes.quote('a', 2)).toBe('quote a x2');
    quotes.answer = 'down';
    expect(await quotes.quote('a', 2)).toBe('cached a x2'); // a counted failure
    expect(await quotes.quote('b', 3)).toBe('cached b x3'); // refused: the circuit is open
    expect(quotes.seen.map(({ self }) => self)).toEqual([quotes, quotes]);
    expect(quotes.seen[0]!.args).toEqual([
      expect.objectContaining({ message: 'quotes down' }),
      'a',
      2,
    ]);
    expect(quotes.seen[1]!.args[0]).toBeInstanceOf(CircuitOpenError);
  });

  it('falls back on a timeout, but not for an ignored (4xx) error', async () => {
    const quotes = app.get(QuotesClient);
    quotes.answer = 'bad request';
    await expect(quotes.quote('a', 1)).rejects.toBeInstanceOf(BadRequestException);
    expect(registry.get('quotes')!.stats().ignored).toBe(1);
    quotes.answer = 'hang';
    expect(await quotes.quote('a', 1)).toBe('cached a x1');
    expect(quotes.seen[0]!.args[0]).toBeInstanceOf(CallTimeoutError);
  });

  it('falls back through a function, with the instance as this', async () => {
    expect(await app.get(QuotesClient).rate('EUR')).toBe(
      'quote: EUR from the fallback function (no rate for EUR)',
    );
  });

  it('protects an Observable per subscription, lazily', async () => {
    const stream = app.get(StreamClient);
    const prices = stream.prices();
    expect(stream.subscriptions).toBe(0); // nothing runs before subscribe
    expect(await firstValueFrom(prices)).toBe(1);
    stream.mode = 'empty';
    await expect(firstValueFrom(stream.prices(), { defaultValue: 'none' })).resolves.toBe('none');
    expect(registry.get('stream')!.stats().successes).toBe(2); // a completion is a success too
    stream.mode = 'error';
    await expect(firstValueFrom(stream.prices())).rejects.toThrow('stream down');
    await expect(firstValueFrom(stream.prices())).rejects.toThrow('stream down');
    expect(registry.get('stream')!.state).toBe(CircuitState.Open);
    const before = stream.subscriptions;
    await expect(firstValueFrom(stream.prices())).rejects.toBeInstanceOf(CircuitOpenError);
    expect(stream.subscriptions).toBe(before);
    expect(await firstValueFrom(stream.failing())).toBe(0); // an Observable fallback
  });

  it('protects transient and request-scoped providers too', async () => {
    const transient = await app.resolve(TransientClient);
    await expect(transient.call()).rejects.toThrow('transient down');
    await expect((await app.resolve(TransientClient)).call()).rejects.toBeInstanceOf(
      CircuitOpenError,
    );
    const perRequest = await app.resolve(PerRequestClient, ContextIdFactory.create());
    expect(await perRequest.call()).toBe('fallback');
    expect(registry.get('per-request')!.state).toBe(CircuitState.Open);
  });
});

describe('@CircuitBreaker() start-up errors', () => {
  it('fails for a fallback name that is not a method of the class', async () => {
    @Injectable()
    class Broken {
      @CircuitBreaker({ name: 'broken', fallback: 'missing' })
      async call(): Promise<void> {}
    }
    const error = await startContext({
      imports: [CircuitBreakerModule.forRoot()],
      providers: [Broken],
    }).catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(CircuitOptionsError);
    expect(error).toMatchObject({ circuit: 'broken', option: 'fallback', value: 'missing' });
  });

  it('fails when methods sharing a circuit declare different options', async () => {
    @Injectable()
    class Conflicting {
      @CircuitBreaker({ name: 'shared', failureThreshold: 2 })
      async a(): Promise<void> {}
      @CircuitBreaker({ name: 'shared', failureThreshold: 3 })
      async b(): Promise<void> {}
    }
    await expect(
      startContext({ imports: [CircuitBreakerModule.forRoot()], providers: [Conflicting] }),
    ).rejects.toThrow(
      /Circuit "shared": option "options" must be the same options as at Conflicting\.a/,
    );
  });

  it('fails for an invalid decorator option, naming circuit and option', async () => {
    @Injectable()
    class Invalid {
      @CircuitBreaker({ name: 'invalid', failureThreshold: 0 })
      async call(): Promise<void> {}
    }
    await expect(
      startContext({ imports: [CircuitBreakerModule.forRoot()], providers: [Invalid] }),
    ).rejects.toThrow('Circuit "invalid": option "failureThreshold" must be');
  });

  it('refuses to decorate something that is not a method', () => {
    expect(() => {
      class NotAMethod {
        @(CircuitBreaker() as PropertyDecorator)
        value = 1;
      }
      return NotAMethod;
    }).toThrow();
  });
});
