import { jest } from '@jest/globals';

// An app without prom-client installed: importing it fails, as it would when it is missing.
jest.unstable_mockModule('prom-client', () => {
  throw new Error("Cannot find package 'prom-client'");
});
const { Module } = await import('@nestjs/common');
const { NestFactory } = await import('@nestjs/core');
const { CircuitBreakerModule, CircuitBreakerRegistry } = await import('../../lib/index.js');

async function start(metrics?: object) {
  @Module({ imports: [CircuitBreakerModule.forRoot({ metrics })] })
  class AppModule {}
  const app = await NestFactory.createApplicationContext(AppModule, {
    logger: false,
    abortOnError: false,
  });
  return app.init();
}

describe('prom-client is an optional peer', () => {
  it('is never loaded without the metrics option: the app works without it', async () => {
    const app = await start();
    const circuit = app.get(CircuitBreakerRegistry).getOrCreate('search');
    await expect(circuit.execute(async () => 'ok')).resolves.toBe('ok');
    await app.close();
  });

  it('is asked for, by name, when the metrics option is given', async () => {
    await expect(start({})).rejects.toThrow(
      'the metrics option needs prom-client; install it: npm install prom-client',
    );
  });
});
