import { NestFactory } from '@nestjs/core';
import { CircuitBreakerRegistry } from 'nestjs-circuit-breaker';
import { describeCircuitBreakerApp } from '../../shared/app-checks';
import { AppModule } from '../src/app.module';
import { Upstream } from '../src/upstream';

describeCircuitBreakerApp(
  'NestJS 11, CommonJS',
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
  { halfOpenHealth: 'up', halfOpenCheckStatus: 'ok' }, // Terminus 11 has no `degraded`
);

it('loads the CommonJS build of the library', () => {
  expect(require.resolve('nestjs-circuit-breaker')).toMatch(/[/\\]dist[/\\]cjs[/\\]index\.js$/);
});
