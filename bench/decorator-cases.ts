import 'reflect-metadata';
import { Injectable, Module, type DynamicModule } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Circuit, CircuitBreaker, CircuitBreakerModule } from 'nestjs-circuit-breaker';
import { loopCase, work, type CaseGroup } from './measure.js';

@Injectable()
class StockService {
  @CircuitBreaker('stock')
  async available(): Promise<number> {
    return 1;
  }
}

/** A decorated service method called through a real Nest application context. */
export async function serviceIn<T>(service: new (...args: never[]) => T, module: DynamicModule) {
  @Module({ imports: [module], providers: [service] })
  class BenchModule {}
  const app = await NestFactory.createApplicationContext(BenchModule, { logger: false });
  await app.init();
  return { app, service: app.get(service) };
}

/** The decorator against the engine it runs on. */
export async function decoratorBench(): Promise<CaseGroup & { close: () => Promise<void> }> {
  const engine = new Circuit('engine');
  const plain = await serviceIn(StockService, CircuitBreakerModule.forRoot());
  return {
    cases: [
      loopCase('Circuit.execute, defaults', () => engine.execute(work)),
      loopCase('@CircuitBreaker() service method', () => plain.service.available()),
    ],
    comparisons: [
      // The decorator adds next to nothing to the engine (the circuit is resolved at start-up).
      { ours: '@CircuitBreaker() service method', peer: 'Circuit.execute, defaults', target: 1.1 },
    ],
    close: () => plain.app.close(),
  };
}
