import 'reflect-metadata';
import { Injectable, Module, type DynamicModule } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Registry } from 'prom-client';
import { CircuitBreaker, CircuitBreakerModule } from '../lib/index.js';
import { awaitLoop, type BenchCase, type Comparison } from './measure.js';

const CALLS = 100;

@Injectable()
class StockService {
  @CircuitBreaker('stock')
  async available(): Promise<number> {
    return 1;
  }
}

/** A decorated service method called through a real Nest application context. */
async function serviceIn(circuitBreakerModule: DynamicModule) {
  @Module({ imports: [circuitBreakerModule], providers: [StockService] })
  class BenchModule {}
  const app = await NestFactory.createApplicationContext(BenchModule, { logger: false });
  await app.init();
  return { app, service: app.get(StockService) };
}

export async function decoratorBench(): Promise<{
  cases: BenchCase[];
  comparisons: Comparison[];
  close: () => Promise<void>;
}> {
  const plain = await serviceIn(CircuitBreakerModule.forRoot());
  const measured = await serviceIn(
    CircuitBreakerModule.forRoot({ metrics: { registry: new Registry() } }),
  );
  return {
    cases: [
      {
        name: '@CircuitBreaker() service method',
        run: awaitLoop(CALLS, () => plain.service.available()),
        callsPerRun: CALLS,
      },
      {
        name: '@CircuitBreaker() with Prometheus metrics',
        run: awaitLoop(CALLS, () => measured.service.available()),
        callsPerRun: CALLS,
      },
    ],
    comparisons: [
      // The decorator adds next to nothing to the engine (the circuit is resolved at start-up).
      { ours: '@CircuitBreaker() service method', peer: 'Circuit.execute, defaults', target: 1.1 },
    ],
    close: async () => {
      await plain.app.close();
      await measured.app.close();
    },
  };
}
