import { jest } from '@jest/globals';

// An app without @opentelemetry/api installed: importing it fails, as it would when it is missing.
jest.unstable_mockModule('@opentelemetry/api', () => {
  throw new Error("Cannot find package '@opentelemetry/api'");
});
const { Module } = await import('@nestjs/common');
const { NestFactory } = await import('@nestjs/core');
const { CircuitBreakerModule, CircuitBreakerRegistry } = await import('../../lib/index.js');

async function start(openTelemetry?: object) {
  @Module({ imports: [CircuitBreakerModule.forRoot({ openTelemetry })] })
  class AppModule {}
  const app = await NestFactory.createApplicationContext(AppModule, {
    logger: false,
    abortOnError: false,
  });
  return app.init();
}

describe('@opentelemetry/api is an optional peer', () => {
  it('is never loaded without the openTelemetry option: the app works without it', async () => {
    const app = await start();
    const circuit = app.get(CircuitBreakerRegistry).getOrCreate('search');
    await expect(circuit.execute(async () => 'ok')).resolves.toBe('ok');
    await app.close();
  });

  it('is asked for, by name, when the openTelemetry option is given', async () => {
    await expect(start({})).rejects.toThrow(
      'the openTelemetry option needs @opentelemetry/api; install it: npm install @opentelemetry/api',
    );
  });
});
