import { Injectable, Module, type INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import {
  CircuitBreaker,
  CircuitBreakerModule,
  type CircuitBreakerModuleOptions,
} from '../../../lib/index.js';

/**
 * The client both exporters' tests drive through a known sequence: `inventory` times out after
 * 50 ms and opens after 2 failures; `pricing` always fails, opens after 1 and has a fallback.
 */
@Injectable()
export class InventoryClient {
  outcome: 'ok' | 'down' | 'hang' = 'ok';

  @CircuitBreaker({ name: 'inventory', failureThreshold: 2, resetTimeoutMs: 60_000, timeoutMs: 50 })
  async stock(): Promise<number> {
    if (this.outcome === 'down') throw new Error('down');
    if (this.outcome === 'hang') return new Promise<number>(() => {});
    return 7;
  }

  @CircuitBreaker({
    name: 'pricing',
    failureThreshold: 1,
    resetTimeoutMs: 60_000,
    fallback: 'cached',
  })
  async price(): Promise<number> {
    throw new Error('pricing down');
  }

  cached(): number {
    return 1;
  }
}

/**
 * The known sequence both exporters' tests count: on `inventory` a success, a timeout, a
 * failure that opens it and a refusal; on `pricing` a failure that opens it and a refusal, each
 * answered by the fallback.
 */
export async function driveKnownSequence(client: InventoryClient): Promise<void> {
  await client.stock(); // success
  client.outcome = 'hang';
  await expect(client.stock()).rejects.toThrow('timed out'); // timeout (a failure)
  client.outcome = 'down';
  await expect(client.stock()).rejects.toThrow('down'); // failure: the 2nd in a row opens it
  await expect(client.stock()).rejects.toThrow('open'); // rejected
  await expect(client.price()).resolves.toBe(1); // failure, then the fallback; opens pricing
  await expect(client.price()).resolves.toBe(1); // rejected, then the fallback
}

/** An application context with the module configured by `options` and the client. */
export async function startInventoryApp(
  options: CircuitBreakerModuleOptions,
): Promise<INestApplicationContext> {
  @Module({ imports: [CircuitBreakerModule.forRoot(options)], providers: [InventoryClient] })
  class AppModule {}
  const app = await NestFactory.createApplicationContext(AppModule, {
    logger: false,
    abortOnError: false,
  });
  return app.init();
}
