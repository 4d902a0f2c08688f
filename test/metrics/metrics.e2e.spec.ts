import { jest } from '@jest/globals';
import type { INestApplicationContext } from '@nestjs/common';
import { Registry } from 'prom-client';
import { CircuitBreakerRegistry, type CircuitBreakerModuleOptions } from '../../lib/index.js';
import { driveKnownSequence, InventoryClient, startInventoryApp } from './support/inventory-app.js';

/** The sample lines of the scrape whose metric name starts with `name`, comments left out. */
async function scrape(registry: Registry, name: string): Promise<string[]> {
  return (await registry.metrics()).split('\n').filter((line) => line.startsWith(name));
}

describe('Prometheus metrics', () => {
  let registry: Registry;
  let app: INestApplicationContext | undefined;

  beforeEach(() => {
    registry = new Registry();
  });
  afterEach(async () => {
    jest.restoreAllMocks();
    await app?.close();
    app = undefined;
  });

  it('counts every outcome, transitions and states exactly after a known sequence of calls', async () => {
    app = await startInventoryApp({ metrics: { registry } });
    await driveKnownSequence(app.get(InventoryClient));

    expect(await scrape(registry, 'circuit_breaker_calls_total')).toEqual([
      'circuit_breaker_calls_total{circuit="inventory",outcome="success"} 1',
      'circuit_breaker_calls_total{circuit="inventory",outcome="failure"} 1',
      'circuit_breaker_calls_total{circuit="inventory",outcome="ignored"} 0',
      'circuit_breaker_calls_total{circuit="inventory",outcome="timeout"} 1',
      'circuit_breaker_calls_total{circuit="inventory",outcome="rejected"} 1',
      'circuit_breaker_calls_total{circuit="pricing",outcome="success"} 0',
      'circuit_breaker_calls_total{circuit="pricing",outcome="failure"} 1',
      'circuit_breaker_calls_total{circuit="pricing",outcome="ignored"} 0',
      'circuit_breaker_calls_total{circuit="pricing",outcome="timeout"} 0',
      'circuit_breaker_calls_total{circuit="pricing",outcome="rejected"} 1',
    ]);
    // A fallback answers a call counted above (as failed, or refused): counted on its own, so
    // that the outcomes partition the calls (6 calls made, 6 outcomes).
    expect(await scrape(registry, 'circuit_breaker_fallbacks_total')).toEqual([
      'circuit_breaker_fallbacks_total{circuit="inventory"} 0',
      'circuit_breaker_fallbacks_total{circuit="pricing"} 2',
    ]);
    expect(await scrape(registry, 'circuit_breaker_transitions_total')).toEqual([
      'circuit_breaker_transitions_total{circuit="inventory",from="closed",to="open"} 1',
      'circuit_breaker_transitions_total{circuit="pricing",from="closed",to="open"} 1',
    ]);
    const states = await scrape(registry, 'circuit_breaker_state');
    expect(states).toContain('circuit_breaker_state{circuit="inventory",state="open"} 1');
    expect(states).toContain('circuit_breaker_state{circuit="inventory",state="closed"} 0');
    expect(states.filter((line) => line.endsWith(' 1'))).toEqual([
      'circuit_breaker_state{circuit="inventory",state="open"} 1',
      'circuit_breaker_state{circuit="pricing",state="open"} 1',
    ]);
    expect(states).toHaveLength(2 * 5);

    // Durations of the calls that ran: one success, one timeout (≥ 50 ms), one failure.
    const counts = await scrape(registry, 'circuit_breaker_call_duration_seconds_count');
    expect(counts).toEqual([
      'circuit_breaker_call_duration_seconds_count{circuit="inventory",outcome="success"} 1',
      'circuit_breaker_call_duration_seconds_count{circuit="inventory",outcome="failure"} 1',
      'circuit_breaker_call_duration_seconds_count{circuit="inventory",outcome="timeout"} 1',
      'circuit_breaker_call_duration_seconds_count{circuit="pricing",outcome="failure"} 1',
    ]);
    const timeoutUnder50ms = await scrape(
      registry,
      'circuit_breaker_call_duration_seconds_bucket{le="0.025",circuit="inventory",outcome="timeout"}',
    );
    const [timeoutSum] = await scrape(
      registry,
      'circuit_breaker_call_duration_seconds_sum{circuit="inventory",outcome="timeout"}',
    );
    expect(Number(timeoutSum!.split(' ')[1])).toBeGreaterThanOrEqual(0.049);
    expect(timeoutUnder50ms).toEqual([
      'circuit_breaker_call_duration_seconds_bucket{le="0.025",circuit="inventory",outcome="timeout"} 0',
    ]);
  });

  it('on a busy circuit, counts every call and times a sample, each standing for the calls it stands for', async () => {
    app = await startInventoryApp({ metrics: { registry } });
    // The sample is random: seeded here (an LCG), so that the estimate is the same on every run.
    let seed = 42;
    jest.spyOn(Math, 'random').mockImplementation(() => {
      seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
      return seed / 2_147_483_648;
    });
    const busy = app.get(CircuitBreakerRegistry).getOrCreate('busy');
    const calls = 150_000; // sampling grows to one call in 64 over the first 64,000 or so
    for (let i = 0; i < calls; i++) busy.executeSync(() => 'ok');
    expect(
      await scrape(registry, 'circuit_breaker_calls_total{circuit="busy",outcome="success"}'),
    ).toEqual([`circuit_breaker_calls_total{circuit="busy",outcome="success"} ${calls}`]);
    const [count] = await scrape(
      registry,
      'circuit_breaker_call_duration_seconds_count{circuit="busy",outcome="success"}',
    );
    const estimated = Number(count!.split(' ')[1]);
    expect(Math.abs(estimated - calls) / calls).toBeLessThan(0.02);
    expect(busy.stats().latency!.calls).toBe(estimated); // the same timings serve both
  });

  it('reads the state at scrape time, and counts a manual change as a transition', async () => {
    app = await startInventoryApp({ metrics: { registry } });
    app.get(CircuitBreakerRegistry).forceOpen('inventory');
    expect(
      await scrape(registry, 'circuit_breaker_state{circuit="inventory",state="forced_open"}'),
    ).toEqual(['circuit_breaker_state{circuit="inventory",state="forced_open"} 1']);
    expect(await scrape(registry, 'circuit_breaker_transitions_total')).toEqual([
      'circuit_breaker_transitions_total{circuit="inventory",from="closed",to="forced_open"} 1',
    ]);
  });

  it('shows a circuit held by Retry-After as open: its transition, its refusals rejected, no failure', async () => {
    app = await startInventoryApp({ metrics: { registry } });
    app.get(CircuitBreakerRegistry).get('inventory')!.holdOpen(30_000);
    await expect(app.get(InventoryClient).stock()).rejects.toThrow();
    expect(
      await scrape(registry, 'circuit_breaker_state{circuit="inventory",state="open"}'),
    ).toEqual(['circuit_breaker_state{circuit="inventory",state="open"} 1']);
    expect(await scrape(registry, 'circuit_breaker_transitions_total')).toEqual([
      'circuit_breaker_transitions_total{circuit="inventory",from="closed",to="open"} 1',
    ]);
    const calls = await scrape(registry, 'circuit_breaker_calls_total{circuit="inventory"');
    expect(calls).toContain(
      'circuit_breaker_calls_total{circuit="inventory",outcome="rejected"} 1',
    );
    expect(calls).toContain('circuit_breaker_calls_total{circuit="inventory",outcome="failure"} 0');
  });

  it('includes circuits built later through the registry, up to maxCircuits', async () => {
    app = await startInventoryApp({ metrics: { registry, maxCircuits: 3, prefix: 'orders_' } });
    const circuits = app.get(CircuitBreakerRegistry);
    await circuits.getOrCreate('search').execute(async () => 1);
    circuits.getOrCreate('one-too-many');
    const lines = await scrape(registry, 'orders_calls_total{');
    const names = new Set(lines.map((line) => /circuit="([^"]+)"/.exec(line)![1]));
    expect([...names]).toEqual(['inventory', 'pricing', 'search']);
    expect(lines).toContain('orders_calls_total{circuit="search",outcome="success"} 1');
  });

  it('reports a circuit removed and built again under its name as the new circuit', async () => {
    app = await startInventoryApp({ metrics: { registry } });
    const circuits = app.get(CircuitBreakerRegistry);
    await circuits.getOrCreate('search').execute(async () => 1);
    circuits.remove('search');
    const again = circuits.getOrCreate('search');
    again.forceOpen();
    for (let i = 0; i < 5; i++) await again.execute(async () => 1).catch(() => undefined);
    expect(await scrape(registry, 'circuit_breaker_state{circuit="search"')).toContain(
      'circuit_breaker_state{circuit="search",state="forced_open"} 1',
    );
    expect(await scrape(registry, 'circuit_breaker_calls_total{circuit="search"')).toEqual([
      'circuit_breaker_calls_total{circuit="search",outcome="success"} 0',
      'circuit_breaker_calls_total{circuit="search",outcome="failure"} 0',
      'circuit_breaker_calls_total{circuit="search",outcome="ignored"} 0',
      'circuit_breaker_calls_total{circuit="search",outcome="timeout"} 0',
      'circuit_breaker_calls_total{circuit="search",outcome="rejected"} 5',
    ]);
    expect(await scrape(registry, 'circuit_breaker_transitions_total{circuit="search"')).toEqual([
      'circuit_breaker_transitions_total{circuit="search",from="closed",to="forced_open"} 1',
    ]);
  });

  it('drops the series of a removed circuit', async () => {
    app = await startInventoryApp({ metrics: { registry } });
    const circuits = app.get(CircuitBreakerRegistry);
    circuits.getOrCreate('search').forceOpen();
    circuits.remove('search');
    expect(await registry.metrics()).not.toContain('circuit="search"');
  });

  it('removes its metrics from the registry when the app closes', async () => {
    app = await startInventoryApp({ metrics: { registry } });
    expect(registry.getSingleMetric('circuit_breaker_calls_total')).toBeDefined();
    await app.close();
    app = undefined;
    expect(registry.getMetricsAsArray()).toEqual([]);
    // A new app can register them again.
    app = await startInventoryApp({ metrics: { registry } });
    expect(registry.getMetricsAsArray()).toHaveLength(5);
  });

  it('registers nothing without the metrics option', async () => {
    const register = (await import('prom-client')).register;
    const before = register.getMetricsAsArray().length;
    app = await startInventoryApp({});
    await app.get(InventoryClient).stock();
    expect(register.getMetricsAsArray()).toHaveLength(before);
  });

  it.each([
    [{ registry: {} }, 'metrics.registry must be a prom-client Registry'],
    [{ prefix: '1bad' }, 'metrics.prefix must be'],
    [{ maxCircuits: 0 }, 'metrics.maxCircuits must be a whole number ≥ 1, got 0'],
    [{ buckets: [1, 0.5] }, 'metrics.buckets must be increasing numbers'],
  ])('fails start-up for bad metrics options: %j', async (metrics, message) => {
    await expect(
      startInventoryApp({ metrics: metrics as CircuitBreakerModuleOptions['metrics'] }),
    ).rejects.toThrow(message);
  });

  it('warns once when the circuits outnumber maxCircuits', async () => {
    const warn = jest.fn();
    app = await startInventoryApp({ metrics: { registry, maxCircuits: 2 } });
    // The module's logger is Nest's: listen through a logger override on the app.
    app.useLogger({ log() {}, error() {}, warn, debug() {}, verbose() {} });
    const circuits = app.get(CircuitBreakerRegistry);
    circuits.getOrCreate('a');
    circuits.getOrCreate('b');
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0]![0])).toContain('more than 2 circuits; "a"');
  });
});
