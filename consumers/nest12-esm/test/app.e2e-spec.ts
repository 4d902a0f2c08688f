import { NestFactory } from '@nestjs/core';
import { CircuitBreakerRegistry } from 'nestjs-circuit-breaker';
import { describeCircuitBreakerApp } from '../../shared/app-checks.js';
import { AppModule } from '../src/app.module.js';
import { Upstream } from '../src/upstream.js';

describeCircuitBreakerApp(
  'NestJS 12, ES modules',
  async () => {
    const app = await NestFactory.create(AppModule, { logger: false });
    await app.listen(0, '127.0.0.1');
    const upstream = app.get(Upstream);
    const registry = app.get(CircuitBreakerRegistry);
    return {
      url: await app.getUrl(),
      setDown: (service, down) => upstream.setDown(service, down),
      callsTo: (service) => upstream.callsTo(service),
      circuitState: (name) => registry.get(name)?.state,
      close: () => app.close(),
    };
  },
  { halfOpenHealth: 'degraded', halfOpenCheckStatus: 'degraded' }, // Terminus 12
);

it('loads the ES module build of the library', () => {
  expect(import.meta.resolve('nestjs-circuit-breaker')).toMatch(/\/dist\/esm\/index\.js$/);
});
