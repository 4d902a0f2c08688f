import 'reflect-metadata';
import { Injectable, Module, type DynamicModule } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { execFileSync } from 'node:child_process';
import { Redis } from 'ioredis';
import { CircuitBreaker, CircuitBreakerModule, RedisCircuitStore } from '../lib/index.js';
import { awaitLoop, type BenchCase, type Comparison } from './measure.js';
import { RedisServer } from './redis-server.js';

const CALLS = 100;

@Injectable()
class PaymentsService {
  @CircuitBreaker('payments')
  async charge(): Promise<number> {
    return 1;
  }
}

async function serviceIn(circuitBreakerModule: DynamicModule) {
  @Module({ imports: [circuitBreakerModule], providers: [PaymentsService] })
  class BenchModule {}
  const app = await NestFactory.createApplicationContext(BenchModule, { logger: false });
  await app.init();
  return { app, service: app.get(PaymentsService) };
}

/**
 * A closed circuit with the Redis store against the same without a store (in memory): the
 * closed path never waits on Redis. Empty when `redis-server` is not installed.
 */
export async function storeBench(): Promise<{
  cases: BenchCase[];
  comparisons: Comparison[];
  close: () => Promise<void>;
}> {
  try {
    execFileSync('redis-server', ['--version']);
  } catch {
    console.log('(no redis-server on this machine: the Redis store case is skipped)\n');
    return { cases: [], comparisons: [], close: async () => {} };
  }
  const server = await RedisServer.start();
  const redis = new Redis({ port: server.port, host: '127.0.0.1', enableOfflineQueue: false });
  const inMemory = await serviceIn(CircuitBreakerModule.forRoot());
  const shared = await serviceIn(
    CircuitBreakerModule.forRoot({ store: new RedisCircuitStore(redis, { prefix: 'bench' }) }),
  );
  const loop = (name: string, call: () => unknown): BenchCase => ({
    name,
    run: awaitLoop(CALLS, call),
    callsPerRun: CALLS,
  });
  return {
    cases: [
      loop('@CircuitBreaker(), in-memory state', () => inMemory.service.charge()),
      loop('@CircuitBreaker(), Redis store', () => shared.service.charge()),
    ],
    comparisons: [
      {
        ours: '@CircuitBreaker(), Redis store',
        peer: '@CircuitBreaker(), in-memory state',
        target: 1.2,
      },
    ],
    close: async () => {
      await shared.app.close();
      await inMemory.app.close();
      redis.disconnect();
      await server.kill();
    },
  };
}
