import { Controller, Get, Module } from '@nestjs/common';
import * as here from '../../lib/index.js';
import { startApp } from '../core/support/start-app.js';

// API.md: isCircuitOpenError(e) works across two copies of the package. The ESM and CommonJS
// builds loaded in one process, or two versions side by side, each have their own classes; the
// errors carry a brand that every copy recognises, through the type guards and `instanceof`.
// The other copy here is the built package (`npm test` builds it first).

const builtEntry: string = '../../dist/esm/index.js'; // a variable: the type-check needs no build
const other = (await import(builtEntry)) as typeof here;

describe('errors of another copy of the package', () => {
  it('is a second copy indeed: its classes are not these', () => {
    expect(other.CircuitOpenError).not.toBe(here.CircuitOpenError);
  });

  it.each([
    ['CircuitOpenError', new other.CircuitOpenError('inventory', here.CircuitState.Open, 5)],
    ['CallTimeoutError', new other.CallTimeoutError('inventory', 100)],
  ] as const)('a %s of the other copy is one here, by guard and by instanceof', (name, error) => {
    const [guard, type] =
      name === 'CircuitOpenError'
        ? [here.isCircuitOpenError, here.CircuitOpenError]
        : [here.isCallTimeoutError, here.CallTimeoutError];
    expect(guard(error)).toBe(true);
    expect(error).toBeInstanceOf(type);
    expect(error).toBeInstanceOf(Error);
  });

  it('tells other errors apart, whatever they are', () => {
    const lookalike = Object.assign(new Error('Circuit "x" is open'), {
      circuit: 'x',
      state: 'open',
      retryAfterMs: 1,
    });
    const hostile = new Proxy(
      {},
      {
        get: () => {
          throw new Error('trap');
        },
      },
    );
    for (const value of [lookalike, hostile, null, undefined, 'CircuitOpenError', 503]) {
      expect(here.isCircuitOpenError(value)).toBe(false);
      expect(here.isCallTimeoutError(value)).toBe(false);
      expect(value instanceof here.CircuitOpenError).toBe(false);
    }
    expect(here.isCircuitOpenError(new here.CallTimeoutError('x', 1))).toBe(false);
  });

  it('the module answers the other copy’s refusal with 503 and Retry-After, its timeout with 504', async () => {
    @Controller()
    class Refusing {
      @Get('open')
      open(): never {
        throw new other.CircuitOpenError('inventory', here.CircuitState.Open, 2_500);
      }

      @Get('timeout')
      timeout(): never {
        throw new other.CallTimeoutError('inventory', 100);
      }
    }
    @Module({ imports: [here.CircuitBreakerModule.forRoot()], controllers: [Refusing] })
    class AppModule {}
    const running = await startApp(AppModule);
    try {
      const refused = await fetch(`${running.url}/open`);
      expect(refused.status).toBe(503);
      expect(refused.headers.get('retry-after')).toBe('3');
      expect(await refused.json()).toEqual({
        statusCode: 503,
        error: 'Service Unavailable',
        message: 'Circuit "inventory" is open',
        circuit: 'inventory',
        retryAfterMs: 2_500,
      });
      const timedOut = await fetch(`${running.url}/timeout`);
      expect(timedOut.status).toBe(504);
      expect(await timedOut.json()).toMatchObject({ statusCode: 504, circuit: 'inventory' });
    } finally {
      await running.close();
    }
  });
});
