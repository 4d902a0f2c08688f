import {
  CircuitBreakerModule,
  CircuitOptionsError,
  type CircuitBreakerModuleOptions,
} from '../../lib/index.js';
import { moduleOf, startupError } from './support/start-app.js';

// Options of the wrong shape get a CircuitOptionsError that names the option, at start-up,
// never "Cannot convert undefined or null to object" nor a circuit named "0".

describe('CircuitBreakerModule: options of the wrong shape', () => {
  it.each<[string, unknown, RegExp]>([
    [
      'null',
      null,
      /option "options" must be an object such as \{ defaults, circuits \}, or nothing, got null/,
    ],
    ['a string', 'payments', /option "options" must be an object/],
    ['an array', [], /option "options" must be an object/],
  ])('forRoot(%s) throws CircuitOptionsError at once', (_case, options, message) => {
    let error: unknown;
    try {
      CircuitBreakerModule.forRoot(options as CircuitBreakerModuleOptions);
    } catch (thrown) {
      error = thrown;
    }
    expect(error).toBeInstanceOf(CircuitOptionsError);
    expect((error as Error).message).toMatch(/^CircuitBreakerModule: /);
    expect((error as Error).message).toMatch(message);
  });

  it.each<[string, Record<string, unknown>, string]>([
    [
      'circuits as a string',
      { circuits: 'x' },
      'option "circuits" must be an object of circuit options by circuit name, got \'x\'',
    ],
    ['circuits as an array', { circuits: [{}] }, 'option "circuits" must be an object'],
    [
      'a circuit given a number',
      { circuits: { payments: 5 } },
      'option "circuits["payments"]" must be an object of circuit options, got 5',
    ],
    [
      'a circuit given null',
      { circuits: { payments: null } },
      'option "circuits["payments"]" must be an object',
    ],
    [
      'defaults as a string',
      { defaults: 'fast' },
      'option "defaults" must be an object of circuit options',
    ],
    ['maxCircuits 0', { maxCircuits: 0 }, 'option "maxCircuits" must be a whole number ≥ 1, got 0'],
    ['maxCircuits 1.5', { maxCircuits: 1.5 }, 'option "maxCircuits" must be a whole number ≥ 1'],
  ])('forRoot with %s fails start-up, naming the option', async (_case, options, message) => {
    let error: unknown;
    try {
      CircuitBreakerModule.forRoot(options as CircuitBreakerModuleOptions);
    } catch (thrown) {
      error = thrown;
    }
    expect(error).toBeInstanceOf(CircuitOptionsError);
    expect((error as Error).message).toContain(message);
  });

  it.each<[string, unknown, string]>([
    ['null', null, 'option "options" must be an object'],
    ['circuits as a string', { circuits: 'x' }, 'option "circuits" must be an object'],
  ])('forRootAsync whose factory gives %s fails start-up', async (_case, options, message) => {
    const error = await startupError(
      moduleOf({
        imports: [CircuitBreakerModule.forRootAsync({ useFactory: () => options as never })],
      }),
    );
    expect(error).toBeInstanceOf(CircuitOptionsError);
    expect((error as Error).message).toContain(message);
  });

  it('forRootAsync(null) throws at once', () => {
    expect(() => CircuitBreakerModule.forRootAsync(null as never)).toThrow(CircuitOptionsError);
  });
});
