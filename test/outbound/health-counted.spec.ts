import { CircuitBreakerHealthIndicator, CircuitBreakerRegistry } from '../../lib/index.js';

// Readiness and outbound circuits: an origin that is down is reported, but by default does not
// make the pod unready (that would turn one dependency's outage into the whole service's).

describe('CircuitBreakerHealthIndicator: which circuits count', () => {
  let registry: CircuitBreakerRegistry;
  let health: CircuitBreakerHealthIndicator;

  beforeEach(() => {
    registry = new CircuitBreakerRegistry({});
    health = new CircuitBreakerHealthIndicator(registry);
    registry.getOrCreate('payments');
    registry.getOrCreate('outbound:https://maps.example.com');
    registry.forceOpen('outbound:https://maps.example.com');
  });
  afterEach(() => registry.onApplicationShutdown());

  it('reports an open outbound circuit without failing readiness, by default', async () => {
    const result = await health.isHealthy('circuits');
    expect(result.circuits.status).toBe('up');
    expect(result.circuits.open).toEqual([]);
    expect(result.circuits.circuits['outbound:https://maps.example.com']).toEqual({
      state: 'forced_open',
      retryAfterMs: 0,
      counted: false,
    });
  });

  it.each([
    ['all', 'all' as const],
    ['a name', { names: ['outbound:https://maps.example.com'] }],
    ['a prefix', { prefixes: ['outbound:'] }],
    ['a predicate', (name: string) => name.includes('maps')],
  ])('counts it when asked by %s', async (_, counted) => {
    const result = await health.isHealthy('circuits', { counted });
    expect(result.circuits.status).toBe('down');
    expect(result.circuits.open).toEqual(['outbound:https://maps.example.com']);
  });

  it('still fails readiness for an open circuit of the app’s own', async () => {
    registry.forceOpen('payments');
    const result = await health.isHealthy('circuits');
    expect(result.circuits.status).toBe('down');
    expect(result.circuits.open).toEqual(['payments']);
  });
});
