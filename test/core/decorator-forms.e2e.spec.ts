import { jest } from '@jest/globals';
import { Controller, Get, Injectable, Module, Param, ParseIntPipe, Post } from '@nestjs/common';
import {
  CircuitBreaker,
  CircuitBreakerModule,
  CircuitBreakerRegistry,
  CircuitOpenError,
  CircuitOptionsError,
  CircuitState,
} from '../../lib/index.js';
import { json, moduleOf, startApp, startupError, type RunningApp } from './support/start-app.js';

@Injectable()
class PaymentsClient {
  failing = false;
  charges = 0;

  @CircuitBreaker()
  async status(): Promise<string> {
    if (this.failing) throw new Error('payments down');
    return 'up';
  }

  @CircuitBreaker('payments')
  async charge(amount: number): Promise<number> {
    this.charges++;
    if (this.failing) throw new Error('payments down');
    return amount;
  }

  @CircuitBreaker({ failureThreshold: 2 })
  async quote(): Promise<number> {
    if (this.failing) throw new Error('quotes down');
    return 10;
  }

  @CircuitBreaker({ name: 'ledger', failureThreshold: 1 })
  record(entry: string): string {
    if (this.failing) throw new Error('ledger down');
    return `recorded ${entry}`;
  }
}

@Injectable()
class RefundsClient {
  refunds = 0;

  @CircuitBreaker('payments')
  async refund(amount: number): Promise<number> {
    this.refunds++;
    return -amount;
  }
}

@Controller()
class PaymentsController {
  static failing = false;
  constructor(
    private readonly payments: PaymentsClient,
    private readonly refunds: RefundsClient,
  ) {}

  @Get('status')
  status() {
    return this.payments.status();
  }

  @Post('charge/:amount')
  charge(@Param('amount', ParseIntPipe) amount: number) {
    return this.payments.charge(amount);
  }

  @Post('refund/:amount')
  refund(@Param('amount', ParseIntPipe) amount: number) {
    return this.refunds.refund(amount);
  }

  @Get('quote')
  quote() {
    return this.payments.quote();
  }

  @Get('record/:entry')
  record(@Param('entry') entry: string) {
    return this.payments.record(entry);
  }

  @Get('handler')
  @CircuitBreaker()
  handler(): string {
    if (PaymentsController.failing) throw new Error('handler down');
    return 'handled';
  }
}

@Module({
  imports: [CircuitBreakerModule.forRoot()],
  controllers: [PaymentsController],
  providers: [PaymentsClient, RefundsClient],
})
class AppModule {}

describe('@CircuitBreaker() forms, in a running app', () => {
  let running: RunningApp;
  let registry: CircuitBreakerRegistry;
  let payments: PaymentsClient;
  beforeEach(async () => {
    PaymentsController.failing = false;
    running = await startApp(AppModule);
    registry = running.get(CircuitBreakerRegistry);
    payments = running.get(PaymentsClient);
  });
  afterEach(() => running.close());

  const get = (path: string) => fetch(`${running.url}${path}`);
  const post = (path: string) => fetch(`${running.url}${path}`, { method: 'POST' });

  it('@CircuitBreaker() names the circuit ClassName.methodName, on a provider and on a handler', async () => {
    expect(await (await get('/status')).text()).toBe('up');
    expect(await (await get('/handler')).text()).toBe('handled');
    expect(registry.get('PaymentsClient.status')!.stats().successes).toBe(1);
    expect(registry.get('PaymentsController.handler')!.stats().successes).toBe(1);

    payments.failing = true;
    PaymentsController.failing = true;
    for (let i = 0; i < 5; i++) {
      expect((await get('/status')).status).toBe(500); // the default failureThreshold: 5
      expect((await get('/handler')).status).toBe(500);
    }
    expect(await json(await get('/status'))).toMatchObject({ circuit: 'PaymentsClient.status' });
    expect(await json(await get('/handler'))).toMatchObject({
      circuit: 'PaymentsController.handler',
    });
  });

  it('@CircuitBreaker(name) names the circuit', async () => {
    expect(await (await post('/charge/5')).text()).toBe('5');
    expect(registry.get('payments')!.stats().successes).toBe(1);
    expect(registry.has('PaymentsClient.charge')).toBe(false);
  });

  it('@CircuitBreaker({ ...options }) applies its options, named ClassName.methodName without a name', async () => {
    expect(registry.get('PaymentsClient.quote')!.options.failureThreshold).toBe(2);
    payments.failing = true;
    expect((await get('/quote')).status).toBe(500);
    expect((await get('/quote')).status).toBe(500);
    const refused = await get('/quote');
    expect(refused.status).toBe(503); // opened on the 2nd failure, not the default 5th
    expect(await json(refused)).toMatchObject({ circuit: 'PaymentsClient.quote' });
  });

  it('methods sharing a name share one circuit, across classes', async () => {
    expect(await (await post('/refund/3')).text()).toBe('-3');
    expect(await (await post('/charge/3')).text()).toBe('3');
    expect(registry.get('payments')!.stats().successes).toBe(2);
    expect(registry.names().filter((name) => name === 'payments')).toHaveLength(1);

    payments.failing = true;
    for (let i = 0; i < 5; i++) expect((await post('/charge/1')).status).toBe(500);
    const refused = await post('/refund/1'); // opened by charge(), refund() is refused too
    expect(refused.status).toBe(503);
    expect(await json(refused)).toMatchObject({ circuit: 'payments' });
    expect(running.get(RefundsClient).refunds).toBe(1);
  });

  it('a sync method stays sync: its value, its error and the refusal come back at once', async () => {
    const result = payments.record('a');
    expect(result).toBe('recorded a'); // a value, not a promise
    payments.failing = true;
    expect(() => payments.record('b')).toThrow('ledger down');
    expect(registry.get('ledger')!.state).toBe(CircuitState.Open);
    expect(() => payments.record('c')).toThrow(CircuitOpenError); // thrown, not rejected
    expect((await get('/record/d')).status).toBe(503);
  });

  it('resolves each circuit once, at start-up: no registry look-up per call', async () => {
    const lookups = (['get', 'getOrCreate', 'has', 'all', 'names'] as const).map((member) =>
      jest.spyOn(registry, member),
    );
    for (let i = 0; i < 5; i++) {
      await get('/status');
      await get('/handler');
      await post('/charge/1');
      await post('/refund/1');
      payments.record('e');
    }
    for (const lookup of lookups) expect(lookup).not.toHaveBeenCalled();
    expect(registry.get('payments')!.stats().successes).toBe(10);
  });
});

class BaseClient {
  @CircuitBreaker()
  async ping(): Promise<string> {
    return `pong from ${this.constructor.name}`;
  }
}
@Injectable()
class FirstChild extends BaseClient {}
@Injectable()
class SecondChild extends BaseClient {}

class ByToken {
  @CircuitBreaker()
  async call(): Promise<string> {
    return 'by token';
  }
}
class ByFactory {
  constructor(readonly prefix: string) {}
  @CircuitBreaker()
  async call(): Promise<string> {
    return `${this.prefix} by factory`;
  }
}
class ByValue {
  @CircuitBreaker({ name: 'by-value', failureThreshold: 1 })
  async call(): Promise<string> {
    throw new Error('by value down');
  }
}
@Injectable()
class InFeature {
  @CircuitBreaker()
  async call(): Promise<string> {
    return 'in a feature module';
  }
}
@Module({ providers: [InFeature], exports: [InFeature] })
class FeatureModule {}

describe('@CircuitBreaker() on any singleton provider', () => {
  let running: RunningApp;
  beforeAll(async () => {
    running = await startApp(
      moduleOf({
        imports: [CircuitBreakerModule.forRoot(), FeatureModule],
        providers: [
          FirstChild,
          SecondChild,
          { provide: 'TOKEN', useClass: ByToken },
          { provide: 'FACTORY', useFactory: async () => new ByFactory('made') },
          { provide: 'VALUE', useValue: new ByValue() },
        ],
      }),
    );
  });
  afterAll(() => running.close());

  it('protects providers made by useClass, useFactory and useValue, and in imported modules', async () => {
    const registry = running.get(CircuitBreakerRegistry);
    const app = running.app;
    expect(await app.get<ByToken>('TOKEN').call()).toBe('by token');
    expect(await app.get<ByFactory>('FACTORY').call()).toBe('made by factory');
    expect(await app.get(InFeature).call()).toBe('in a feature module');
    for (const name of ['ByToken.call', 'ByFactory.call', 'InFeature.call']) {
      expect({ name, successes: registry.get(name)?.stats().successes }).toEqual({
        name,
        successes: 1,
      });
    }
    const byValue = app.get<ByValue>('VALUE');
    await expect(byValue.call()).rejects.toThrow('by value down');
    await expect(byValue.call()).rejects.toBeInstanceOf(CircuitOpenError);
  });

  it('names an inherited method’s circuit after the class of the instance', async () => {
    const registry = running.get(CircuitBreakerRegistry);
    expect(await running.get(FirstChild).ping()).toBe('pong from FirstChild');
    expect(await running.get(SecondChild).ping()).toBe('pong from SecondChild');
    expect(registry.get('FirstChild.ping')!.stats().successes).toBe(1);
    expect(registry.get('SecondChild.ping')!.stats().successes).toBe(1);
  });
});

// No return type written: TypeScript records none, so the first call finds out what comes back.
@Injectable()
class Undeclared {
  failing = false;

  @CircuitBreaker({ name: 'undeclared-sync', failureThreshold: 2 })
  sync(value: string) {
    if (this.failing) throw new Error('sync down');
    return value;
  }

  @CircuitBreaker({ name: 'undeclared-promise', failureThreshold: 2 })
  promise(value: string) {
    return this.failing ? Promise.reject(new Error('promise down')) : Promise.resolve(value);
  }

  thenCalls = 0;

  // A thenable that is not a native promise (a query builder, another promise library's).
  @CircuitBreaker({ name: 'undeclared-thenable', failureThreshold: 2 })
  thenable() {
    return {
      then: (_resolve: unknown, reject: (error: unknown) => void) => {
        this.thenCalls++;
        reject(new Error('thenable down'));
      },
    };
  }
}

describe('@CircuitBreaker() on methods with no return type written', () => {
  let running: RunningApp;
  let registry: CircuitBreakerRegistry;
  let client: Undeclared;
  beforeEach(async () => {
    running = await startApp(
      moduleOf({ imports: [CircuitBreakerModule.forRoot()], providers: [Undeclared] }),
    );
    registry = running.get(CircuitBreakerRegistry);
    client = running.get(Undeclared);
  });
  afterEach(() => running.close());

  it('protects a sync method, counting its first call too, and keeps it sync', () => {
    client.failing = true;
    expect(() => client.sync('a')).toThrow('sync down'); // the first call
    client.failing = false;
    expect(client.sync('b')).toBe('b');
    expect(registry.get('undeclared-sync')!.stats()).toMatchObject({ failures: 1, successes: 1 });
    client.failing = true;
    expect(() => client.sync('c')).toThrow('sync down');
    expect(() => client.sync('d')).toThrow('sync down');
    expect(() => client.sync('e')).toThrow(CircuitOpenError);
  });

  it('protects a method returning a promise, counting its first call too', async () => {
    client.failing = true;
    await expect(client.promise('a')).rejects.toThrow('promise down'); // the first call
    await expect(client.promise('b')).rejects.toThrow('promise down');
    expect(registry.get('undeclared-promise')!.stats()).toMatchObject({ failures: 2 });
    const refused = client.promise('c');
    expect(refused).toBeInstanceOf(Promise);
    await expect(refused).rejects.toBeInstanceOf(CircuitOpenError);
  });

  it('adopts a returned thenable once, on the first call too: its then runs once', async () => {
    await expect(client.thenable()).rejects.toThrow('thenable down'); // the first call
    expect(client.thenCalls).toBe(1);
    await expect(client.thenable()).rejects.toThrow('thenable down');
    expect(client.thenCalls).toBe(2);
    expect(registry.get('undeclared-thenable')!.stats()).toMatchObject({ failures: 2 });
  });
});

describe('@CircuitBreaker() declarations that disagree', () => {
  const withProviders = (...providers: Array<new (...args: never[]) => unknown>) =>
    moduleOf({ imports: [CircuitBreakerModule.forRoot()], providers });

  it('fail start-up when methods sharing a circuit declare different options', async () => {
    @Injectable()
    class Conflicting {
      @CircuitBreaker({ name: 'shared', failureThreshold: 2 })
      async a(): Promise<void> {}
      @CircuitBreaker({ name: 'shared', failureThreshold: 3 })
      async b(): Promise<void> {}
    }
    const error = await startupError(withProviders(Conflicting));
    expect(error).toBeInstanceOf(CircuitOptionsError);
    expect(error).toMatchObject({ circuit: 'shared', option: 'options' });
    expect((error as Error).message).toMatch(
      /^Circuit "shared": option "options" must be the same options as at Conflicting\.a/,
    );
  });

  it('fail start-up across classes too', async () => {
    @Injectable()
    class First {
      @CircuitBreaker({ name: 'shared', timeoutMs: 100 })
      async a(): Promise<void> {}
    }
    @Injectable()
    class Second {
      @CircuitBreaker({ name: 'shared', timeoutMs: 200, failureThreshold: 2 })
      async b(): Promise<void> {}
    }
    const error = await startupError(withProviders(First, Second));
    expect(error).toBeInstanceOf(CircuitOptionsError);
    expect(error).toMatchObject({ circuit: 'shared', option: 'options' });
  });

  it('let a bare name join the options another declaration gives, in either order', async () => {
    @Injectable()
    class Bare {
      @CircuitBreaker('joined')
      async a(): Promise<void> {}
    }
    @Injectable()
    class WithOptions {
      @CircuitBreaker({ name: 'joined', timeoutMs: 100 })
      async b(): Promise<void> {}
      @CircuitBreaker({ name: 'joined', failureThreshold: 2 })
      async c(): Promise<void> {}
    }
    for (const providers of [
      [Bare, WithOptions],
      [WithOptions, Bare],
    ]) {
      const running = await startApp(withProviders(...providers));
      const circuit = running.get(CircuitBreakerRegistry).get('joined')!;
      expect(circuit.options).toMatchObject({ timeoutMs: 100, failureThreshold: 2 });
      await running.app.get(Bare).a();
      expect(circuit.stats().successes).toBe(1); // one circuit for all three methods
      await running.close();
    }
  });

  it('start when every declaration of a shared circuit gives the same options', async () => {
    @Injectable()
    class Agreeing {
      @CircuitBreaker({ name: 'agreed', failureThreshold: 2, fallback: 'one' })
      async a(): Promise<string> {
        return 'a';
      }
      @CircuitBreaker({ name: 'agreed', failureThreshold: 2, fallback: 'two' })
      async b(): Promise<string> {
        return 'b';
      }
      one(): string {
        return 'one';
      }
      two(): string {
        return 'two';
      }
    }
    expect(await startupError(withProviders(Agreeing))).toBeUndefined();
  });

  it('refuse to decorate something that is not a method', () => {
    expect(() => {
      class NotAMethod {
        @(CircuitBreaker() as PropertyDecorator)
        value = 1;
      }
      return NotAMethod;
    }).toThrow(TypeError);
  });
});
