import {
  Circuit,
  CircuitOptionsError,
  DEFAULT_CIRCUIT_OPTIONS,
  countsAsFailure,
} from '../../lib/index.js';

describe('Circuit options', () => {
  it('resolves the defaults API.md gives', () => {
    const { options } = new Circuit('inventory');
    expect(options).toEqual({
      failureThreshold: 5,
      failureRateThreshold: undefined,
      slowCallDurationMs: undefined,
      slowCallRateThreshold: undefined,
      minimumThroughput: 10,
      windowMs: 10_000,
      resetTimeoutMs: 30_000,
      backoffMultiplier: 1,
      maxResetTimeoutMs: 300_000,
      jitter: 0,
      halfOpenMaxCalls: 1,
      successThreshold: 1,
      timeoutMs: undefined,
      isFailure: countsAsFailure,
      onStateChange: undefined,
    });
    expect(DEFAULT_CIRCUIT_OPTIONS.failureThreshold).toBe(5);
  });

  it('keeps the resolved options read-only', () => {
    const circuit = new Circuit('inventory', { failureThreshold: 2 });
    expect(Object.isFrozen(circuit.options)).toBe(true);
    expect(() => {
      (circuit.options as { failureThreshold: number }).failureThreshold = 9;
    }).toThrow(TypeError);
  });

  it.each([
    ['failureThreshold', 0],
    ['failureThreshold', 1.5],
    ['failureThreshold', '5'],
    ['failureRateThreshold', 0],
    ['failureRateThreshold', 1.01],
    ['failureRateThreshold', Number.NaN],
    ['slowCallDurationMs', -1],
    ['slowCallRateThreshold', 2],
    ['minimumThroughput', 0],
    ['windowMs', 0],
    ['windowMs', Infinity],
    ['resetTimeoutMs', -5],
    ['resetTimeoutMs', Number.NaN],
    ['backoffMultiplier', 0.5],
    ['backoffMultiplier', Infinity],
    ['maxResetTimeoutMs', -1],
    ['jitter', -0.1],
    ['jitter', 1.5],
    ['halfOpenMaxCalls', 0],
    ['successThreshold', 2.5],
    ['timeoutMs', 0],
    ['timeoutMs', 2 ** 31],
    ['isFailure', true],
    ['onStateChange', 'log'],
    ['retries', 3], // not an option at all
  ])('rejects %s = %p at construction, naming circuit, option and value', (option, value) => {
    let error: unknown;
    try {
      new Circuit('inventory', { [option]: value });
    } catch (thrown) {
      error = thrown;
    }
    expect(error).toBeInstanceOf(CircuitOptionsError);
    expect(error).toMatchObject({ circuit: 'inventory', option, value });
    const message = (error as Error).message;
    expect(message).toContain('"inventory"');
    expect(message).toContain(`"${option}"`);
    expect(message).toContain(Number.isNaN(value) ? 'NaN' : String(value));
  });

  it('needs slowCallDurationMs for slowCallRateThreshold', () => {
    expect(() => new Circuit('inventory', { slowCallRateThreshold: 0.5 })).toThrow(
      /option "slowCallRateThreshold" must be set together with slowCallDurationMs/,
    );
  });

  it('accepts Infinity to turn the consecutive rule off, and 0 ms for an immediate probe', () => {
    const circuit = new Circuit('inventory', { failureThreshold: Infinity, resetTimeoutMs: 0 });
    expect(circuit.options).toMatchObject({ failureThreshold: Infinity, resetTimeoutMs: 0 });
  });

  it.each([[''], [undefined], [42], [null]])('rejects the circuit name %p', (name) => {
    expect(() => new Circuit(name as string)).toThrow(CircuitOptionsError);
    expect(() => new Circuit(name as string)).toThrow(/option "name" must be a non-empty string/);
  });

  it('rejects options that are not an object', () => {
    expect(() => new Circuit('inventory', 5 as never)).toThrow(
      /option "options" must be an object/,
    );
  });
});
