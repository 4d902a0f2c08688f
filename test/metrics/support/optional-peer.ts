// Load this only after mocking `peer` away (jest.unstable_mockModule): it loads the library.
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { CircuitBreakerModule, CircuitBreakerRegistry } from '../../../lib/index.js';

/**
 * The tests of an optional peer that is not installed: the module option that needs it is
 * `option`; without that option the app never loads it, with it start-up asks for it by name.
 */
export function describeOptionalPeer(peer: string, option: 'metrics' | 'openTelemetry'): void {
  async function start(given?: object) {
    @Module({ imports: [CircuitBreakerModule.forRoot({ [option]: given })] })
    class AppModule {}
    const app = await NestFactory.createApplicationContext(AppModule, {
      logger: false,
      abortOnError: false,
    });
    return app.init();
  }

  describe(`${peer} is an optional peer`, () => {
    it(`is never loaded without the ${option} option: the app works without it`, async () => {
      const app = await start();
      const circuit = app.get(CircuitBreakerRegistry).getOrCreate('search');
      await expect(circuit.execute(async () => 'ok')).resolves.toBe('ok');
      await app.close();
    });

    it(`is asked for, by name, when the ${option} option is given`, async () => {
      await expect(start({})).rejects.toThrow(
        `the ${option} option needs ${peer}; install it: npm install ${peer}`,
      );
    });
  });
}
