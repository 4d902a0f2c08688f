import 'reflect-metadata';
import { Injectable, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { CircuitBreaker, CircuitBreakerModule } from '../lib/index.js';
import { awaitLoop, type BenchCase } from './measure.js';

const CALLS = 100;

@Injectable()
class StockService {
  @CircuitBreaker('stock')
  async available(): Promise<number> {
    return 1;
  }
}

@Module({ imports: [CircuitBreakerModule.forRoot()], providers: [StockService] })
class BenchModule {}

/** A decorated service method called through a real Nest application context. */
export async function decoratorBench(): Promise<{
  cases: BenchCase[];
  comparisons: Array<{ ours: string; peer: string; target: number }>;
  close: () => Promise<void>;
}> {
  const app = await NestFactory.createApplicationContext(BenchModule, { logger: false });
  await app.init();
  const service = app.get(StockService);
  return {
    cases: [
      {
        name: '@CircuitBreaker() service method',
        run: awaitLoop(CALLS, () => service.available()),
        callsPerRun: CALLS,
      },
    ],
    // The decorator adds next to nothing to the engine (the circuit is resolved at start-up).
    comparisons: [
      { ours: '@CircuitBreaker() service method', peer: 'Circuit.execute, defaults', target: 1.1 },
    ],
    close: () => app.close(),
  };
}
