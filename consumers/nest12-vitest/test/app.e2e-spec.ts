// The Quick start's app as main.ts starts it (its AppModule, shutdown hooks on), listening on a
// free port rather than main.ts's 3000, which another program on the machine may hold. `tsc
// --noEmit` (the test script's first step) compiles main.ts itself.
import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { CircuitBreakerRegistry } from 'nestjs-circuit-breaker';
import { AppModule } from '../src/app.module.js';

describe("the README's Quick start app", () => {
  let app: INestApplication;

  beforeAll(async () => {
    app = await NestFactory.create(AppModule, { logger: false });
    app.enableShutdownHooks();
    await app.listen(0, '127.0.0.1');
  });

  afterAll(async () => {
    await app?.close();
  });

  it('runs on the Node.js line the runner chose', () => {
    expect(process.version).toBe(process.env.CONSUMER_NODE_VERSION ?? process.version);
  });

  it('loads the ES module build of the library', () => {
    expect(import.meta.resolve('nestjs-circuit-breaker')).toMatch(/\/dist\/esm\/index\.js$/);
  });

  it("gives the payments circuit forRoot()'s options for it", () => {
    const payments = app.get(CircuitBreakerRegistry).get('payments');
    expect(payments?.options).toMatchObject({ timeoutMs: 1_500, failureThreshold: 5 });
  });

  it('answers POST /orders from the fallback while the payments circuit is open', async () => {
    // Open, the circuit refuses the call without running it: no request leaves for the provider.
    app.get(CircuitBreakerRegistry).forceOpen('payments');
    const response = await fetch(`${await app.getUrl()}/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ id: 'o-7', amountCents: 900 }),
    });
    expect(response.status).toBe(201);
    expect(await response.json()).toEqual({ orderId: 'o-7', status: 'queued' });
  });
});
