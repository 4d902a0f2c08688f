import { Injectable, Module, type INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Redis } from 'ioredis';
import {
  CircuitBreaker,
  CircuitBreakerModule,
  CircuitBreakerRegistry,
  RedisCircuitStore,
  type Circuit,
  type CircuitStore,
} from '../../../lib/index.js';

export const RESET_TIMEOUT_MS = 600;

/** The dependency as one replica sees it: its answers are set by the test; its calls counted. */
@Injectable()
export class PaymentsClient {
  failing = false;
  latencyMs = 0;
  calls = 0;

  @CircuitBreaker({ name: 'payments', failureThreshold: 2, resetTimeoutMs: RESET_TIMEOUT_MS })
  async charge(): Promise<string> {
    this.calls++;
    if (this.latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, this.latencyMs));
    if (this.failing) throw new Error('payments down');
    return 'charged';
  }
}

/** One replica: a Nest application with its own Redis client, sharing state through `store`. */
export class Replica {
  private constructor(
    readonly app: INestApplicationContext,
    readonly redis: Redis | undefined,
  ) {}

  static async start(store: CircuitStore, redis?: Redis): Promise<Replica> {
    @Module({
      imports: [CircuitBreakerModule.forRoot({ store })],
      providers: [PaymentsClient],
    })
    class ReplicaModule {}
    const app = await NestFactory.createApplicationContext(ReplicaModule, {
      logger: false,
      abortOnError: false,
    });
    return new Replica(await app.init(), redis);
  }

  /** A replica on Redis at `port`, as a user would set it up. */
  static onRedis(port: number, prefix: string): Promise<Replica> {
    const redis = new Redis({
      port,
      host: '127.0.0.1',
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      retryStrategy: () => 50, // reconnect quickly in tests
    });
    redis.on('error', () => {}); // outages are expected here; the store logs its own
    return Replica.start(new RedisCircuitStore(redis, { prefix }), redis);
  }

  get client(): PaymentsClient {
    return this.app.get(PaymentsClient);
  }

  get circuit(): Circuit {
    return this.app.get(CircuitBreakerRegistry).get('payments')!;
  }

  get registry(): CircuitBreakerRegistry {
    return this.app.get(CircuitBreakerRegistry);
  }

  async close(): Promise<void> {
    await this.app.close();
    this.redis?.disconnect();
  }
}

/** Resolves with the milliseconds it took for `condition` to hold; rejects after `withinMs`. */
export async function waitFor(condition: () => boolean, withinMs: number): Promise<number> {
  const started = performance.now();
  while (!condition()) {
    if (performance.now() - started > withinMs) {
      throw new Error(`condition not met within ${withinMs} ms`);
    }
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  return performance.now() - started;
}
