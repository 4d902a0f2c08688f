import { jest } from '@jest/globals';
import type { INestApplicationContext } from '@nestjs/common';
import { metrics, ValueType, type Meter } from '@opentelemetry/api';
import { DataPointType } from '@opentelemetry/sdk-metrics';
import { readFileSync } from 'node:fs';
import { Registry } from 'prom-client';
import {
  CircuitBreakerRegistry,
  type CircuitBreakerModuleOptions,
  type OpenTelemetryMeter,
} from '../../lib/index.js';
import { driveKnownSequence, InventoryClient, startInventoryApp } from './support/inventory-app.js';
import { testMeterProvider, type TestMetricReader } from './support/test-metric-reader.js';

/** The names of the circuits a collection reports, in any metric. */
async function reportedCircuits(reader: TestMetricReader): Promise<string[]> {
  const names = new Set<string>();
  for (const metric of (await reader.metrics()).values()) {
    for (const { attributes } of metric.dataPoints)
      names.add(String(attributes['circuit_breaker.name']));
  }
  return [...names].sort();
}

const SECONDS_5MS_TO_10S = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

describe('OpenTelemetry metrics', () => {
  let otel: ReturnType<typeof testMeterProvider>;
  let app: INestApplicationContext | undefined;

  beforeEach(() => {
    otel = testMeterProvider();
  });
  afterEach(async () => {
    await app?.close();
    app = undefined;
    await otel.provider.shutdown();
  });

  it('counts every outcome, transitions and states exactly after a known sequence of calls', async () => {
    app = await startInventoryApp({ openTelemetry: { meter: otel.meter } });
    await driveKnownSequence(app.get(InventoryClient));

    const n = 'circuit_breaker.name';
    const o = 'circuit_breaker.call.outcome';
    expect(await otel.reader.points('circuit_breaker.calls')).toEqual([
      `circuit_breaker.calls{${o}="failure",${n}="inventory"} 1`,
      `circuit_breaker.calls{${o}="failure",${n}="pricing"} 1`,
      `circuit_breaker.calls{${o}="ignored",${n}="inventory"} 0`,
      `circuit_breaker.calls{${o}="ignored",${n}="pricing"} 0`,
      `circuit_breaker.calls{${o}="rejected",${n}="inventory"} 1`,
      `circuit_breaker.calls{${o}="rejected",${n}="pricing"} 1`,
      `circuit_breaker.calls{${o}="success",${n}="inventory"} 1`,
      `circuit_breaker.calls{${o}="success",${n}="pricing"} 0`,
      `circuit_breaker.calls{${o}="timeout",${n}="inventory"} 1`,
      `circuit_breaker.calls{${o}="timeout",${n}="pricing"} 0`,
    ]);
    // Fallbacks on their own: the outcomes above partition the calls.
    expect(await otel.reader.points('circuit_breaker.fallbacks')).toEqual([
      `circuit_breaker.fallbacks{${n}="inventory"} 0`,
      `circuit_breaker.fallbacks{${n}="pricing"} 2`,
    ]);
    expect(await otel.reader.points('circuit_breaker.transitions')).toEqual([
      `circuit_breaker.transitions{${n}="inventory",circuit_breaker.previous_state="closed",circuit_breaker.state="open"} 1`,
      `circuit_breaker.transitions{${n}="pricing",circuit_breaker.previous_state="closed",circuit_breaker.state="open"} 1`,
    ]);
    const states = await otel.reader.points('circuit_breaker.state');
    expect(states).toHaveLength(2 * 5);
    expect(states.filter((line) => line.endsWith(' 1'))).toEqual([
      `circuit_breaker.state{${n}="inventory",circuit_breaker.state="open"} 1`,
      `circuit_breaker.state{${n}="pricing",circuit_breaker.state="open"} 1`,
    ]);
    expect(states).toContain(
      `circuit_breaker.state{${n}="inventory",circuit_breaker.state="closed"} 0`,
    );

    // Durations of the calls that ran: one success, one timeout (≥ 50 ms), one failure each.
    const durations = await otel.reader.histogram('circuit_breaker.call.duration');
    expect(new Map([...durations].map(([series, { count }]) => [series, count]))).toEqual(
      new Map([
        [`circuit_breaker.call.duration{${o}="success",${n}="inventory"}`, 1],
        [`circuit_breaker.call.duration{${o}="timeout",${n}="inventory"}`, 1],
        [`circuit_breaker.call.duration{${o}="failure",${n}="inventory"}`, 1],
        [`circuit_breaker.call.duration{${o}="failure",${n}="pricing"}`, 1],
      ]),
    );
    const timeout = durations.get(
      `circuit_breaker.call.duration{${o}="timeout",${n}="inventory"}`,
    )!;
    expect(timeout.sum).toBeGreaterThanOrEqual(0.049);
    expect(timeout.buckets.boundaries).toEqual(SECONDS_5MS_TO_10S);
    // Not in a bucket up to 25 ms: recorded in seconds, not milliseconds.
    expect(timeout.buckets.counts.slice(0, 3)).toEqual([0, 0, 0]);
  });

  it('names its instruments with their units and kinds: whole counts, durations in seconds', async () => {
    app = await startInventoryApp({ openTelemetry: { meter: otel.meter } });
    await app.get(InventoryClient).stock();
    app.get(CircuitBreakerRegistry).forceOpen('pricing');
    const collected = await otel.reader.metrics();
    const described = [...collected.values()].map(({ descriptor, ...metric }) => ({
      name: descriptor.name,
      unit: descriptor.unit,
      kind:
        metric.dataPointType === DataPointType.SUM
          ? metric.isMonotonic
            ? 'counter'
            : 'updowncounter'
          : DataPointType[metric.dataPointType],
      values: ValueType[descriptor.valueType],
    }));
    expect(described.sort((a, b) => a.name.localeCompare(b.name))).toEqual([
      { name: 'circuit_breaker.call.duration', unit: 's', kind: 'HISTOGRAM', values: 'DOUBLE' },
      { name: 'circuit_breaker.calls', unit: '{call}', kind: 'counter', values: 'INT' },
      { name: 'circuit_breaker.fallbacks', unit: '{call}', kind: 'counter', values: 'INT' },
      { name: 'circuit_breaker.state', unit: '{circuit}', kind: 'updowncounter', values: 'INT' },
      { name: 'circuit_breaker.transitions', unit: '{transition}', kind: 'counter', values: 'INT' },
    ]);
  });

  it('reads the state at collection: a forced state, then open, half-open after the reset timeout and closed, each change counted', async () => {
    app = await startInventoryApp({ openTelemetry: { meter: otel.meter } });
    const circuits = app.get(CircuitBreakerRegistry);
    circuits.forceOpen('inventory');
    expect(await otel.reader.points('circuit_breaker.state')).toContain(
      'circuit_breaker.state{circuit_breaker.name="inventory",circuit_breaker.state="forced_open"} 1',
    );

    const probe = circuits.getOrCreate('probe', { failureThreshold: 1, resetTimeoutMs: 1 });
    await expect(probe.execute(() => Promise.reject(new Error('down')))).rejects.toThrow('down');
    await new Promise((resolve) => setTimeout(resolve, 20)); // past the reset timeout, however late
    // Nothing called it since: the collection itself finds it half-open.
    const states = await otel.reader.points('circuit_breaker.state');
    expect(states.filter((line) => line.includes('"probe"') && line.endsWith(' 1'))).toEqual([
      'circuit_breaker.state{circuit_breaker.name="probe",circuit_breaker.state="half_open"} 1',
    ]);
    await probe.execute(async () => 'ok'); // the probe succeeds: closed
    expect(await otel.reader.points('circuit_breaker.transitions')).toEqual([
      'circuit_breaker.transitions{circuit_breaker.name="inventory",circuit_breaker.previous_state="closed",circuit_breaker.state="forced_open"} 1',
      'circuit_breaker.transitions{circuit_breaker.name="probe",circuit_breaker.previous_state="closed",circuit_breaker.state="open"} 1',
      'circuit_breaker.transitions{circuit_breaker.name="probe",circuit_breaker.previous_state="half_open",circuit_breaker.state="closed"} 1',
      'circuit_breaker.transitions{circuit_breaker.name="probe",circuit_breaker.previous_state="open",circuit_breaker.state="half_open"} 1',
    ]);
    expect(
      (await otel.reader.points('circuit_breaker.state')).filter(
        (line) => line.includes('"probe"') && line.endsWith(' 1'),
      ),
    ).toEqual([
      'circuit_breaker.state{circuit_breaker.name="probe",circuit_breaker.state="closed"} 1',
    ]);
  });

  it('includes circuits built later through the registry, up to maxCircuits, and warns once', async () => {
    const warn = jest.fn();
    app = await startInventoryApp({ openTelemetry: { meter: otel.meter, maxCircuits: 3 } });
    app.useLogger({ log() {}, error() {}, warn, debug() {}, verbose() {} });
    const circuits = app.get(CircuitBreakerRegistry);
    await circuits.getOrCreate('search').execute(async () => 1);
    await circuits.getOrCreate('one-too-many').execute(async () => 1);
    circuits.getOrCreate('two-too-many');
    expect(await reportedCircuits(otel.reader)).toEqual(['inventory', 'pricing', 'search']);
    expect(await otel.reader.histogram('circuit_breaker.call.duration')).toEqual(
      new Map([
        [
          'circuit_breaker.call.duration{circuit_breaker.call.outcome="success",circuit_breaker.name="search"}',
          expect.objectContaining({ count: 1 }),
        ],
      ]),
    );
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0]![0])).toContain('more than 3 circuits; "one-too-many"');
  });

  it('frees the place of a removed circuit for one built later', async () => {
    app = await startInventoryApp({ openTelemetry: { meter: otel.meter, maxCircuits: 2 } });
    const circuits = app.get(CircuitBreakerRegistry);
    circuits.getOrCreate('left-out');
    circuits.remove('pricing');
    circuits.getOrCreate('search');
    expect(await reportedCircuits(otel.reader)).toEqual(['inventory', 'search']);
  });

  it('reports a removed circuit no more: no observation, no duration (shown by a delta reader)', async () => {
    // The JS SDK (sdk-metrics 3.1) goes on exporting, with cumulative temporality, the last
    // values of series no longer observed (open-telemetry/opentelemetry-js#4096); a delta
    // reader exports only what was observed or recorded since the last collection.
    otel = testMeterProvider('delta');
    app = await startInventoryApp({ openTelemetry: { meter: otel.meter } });
    const circuits = app.get(CircuitBreakerRegistry);
    const search = circuits.getOrCreate('search');
    await search.execute(async () => 1);
    expect(await reportedCircuits(otel.reader)).toEqual(['inventory', 'pricing', 'search']);
    circuits.remove('search');
    await search.execute(async () => 1); // a method holding it still calls it
    expect(await reportedCircuits(otel.reader)).toEqual(['inventory', 'pricing']);
  });

  it('reports a circuit removed and built again under its name as the new circuit', async () => {
    app = await startInventoryApp({ openTelemetry: { meter: otel.meter } });
    const circuits = app.get(CircuitBreakerRegistry);
    await circuits.getOrCreate('search').execute(async () => 1);
    expect(await otel.reader.points('circuit_breaker.calls')).toContain(
      'circuit_breaker.calls{circuit_breaker.call.outcome="success",circuit_breaker.name="search"} 1',
    );
    circuits.remove('search');
    const again = circuits.getOrCreate('search');
    again.forceOpen();
    for (let i = 0; i < 5; i++) await again.execute(async () => 1).catch(() => undefined);
    const calls = await otel.reader.points('circuit_breaker.calls');
    expect(calls.filter((line) => line.includes('"search"'))).toEqual([
      'circuit_breaker.calls{circuit_breaker.call.outcome="failure",circuit_breaker.name="search"} 0',
      'circuit_breaker.calls{circuit_breaker.call.outcome="ignored",circuit_breaker.name="search"} 0',
      'circuit_breaker.calls{circuit_breaker.call.outcome="rejected",circuit_breaker.name="search"} 5',
      'circuit_breaker.calls{circuit_breaker.call.outcome="success",circuit_breaker.name="search"} 0',
      'circuit_breaker.calls{circuit_breaker.call.outcome="timeout",circuit_breaker.name="search"} 0',
    ]);
    expect(
      (await otel.reader.points('circuit_breaker.transitions')).filter((l) =>
        l.includes('"search"'),
      ),
    ).toEqual([
      'circuit_breaker.transitions{circuit_breaker.name="search",circuit_breaker.previous_state="closed",circuit_breaker.state="forced_open"} 1',
    ]);
  });

  it('stops observing when the app closes', async () => {
    otel = testMeterProvider('delta');
    app = await startInventoryApp({ openTelemetry: { meter: otel.meter } });
    const client = app.get(InventoryClient);
    await client.stock();
    expect(await reportedCircuits(otel.reader)).toEqual(['inventory', 'pricing']);
    await app.close();
    app = undefined;
    await client.stock(); // the circuit outlives the app: its calls are no longer recorded
    expect(await otel.reader.metrics()).toEqual(new Map());
  });

  it('lets go of the meter when the app closes: the callback it added is removed', async () => {
    const added = jest.spyOn(otel.meter, 'addBatchObservableCallback');
    const removed = jest.spyOn(otel.meter, 'removeBatchObservableCallback');
    app = await startInventoryApp({ openTelemetry: { meter: otel.meter } });
    expect(added).toHaveBeenCalledTimes(1);
    expect(removed).not.toHaveBeenCalled();
    await app.close();
    app = undefined;
    expect(removed.mock.calls).toEqual(added.mock.calls);
  });

  it('uses the bucket bounds given as advice', async () => {
    app = await startInventoryApp({ openTelemetry: { meter: otel.meter, buckets: [0.1, 1] } });
    await app.get(InventoryClient).stock();
    const [success] = (await otel.reader.histogram('circuit_breaker.call.duration')).values();
    expect(success!.buckets).toEqual({ boundaries: [0.1, 1], counts: [1, 0, 0] });
  });

  it('reports the same counts and durations as the Prometheus metrics when both are on', async () => {
    const registry = new Registry();
    app = await startInventoryApp({ metrics: { registry }, openTelemetry: { meter: otel.meter } });
    const client = app.get(InventoryClient);
    await client.stock();
    client.outcome = 'down';
    for (let i = 0; i < 4; i++) await client.stock().catch(() => undefined); // 2 failures, 2 rejected
    const prometheus = (await registry.metrics())
      .split('\n')
      .filter((line) => line.startsWith('circuit_breaker_calls_total{circuit="inventory"'))
      .map((line) => line.replace(/.*outcome="(\w+)"} (\d+)$/, '$1 $2'))
      .sort();
    const openTelemetry = (await otel.reader.points('circuit_breaker.calls'))
      .filter((line) => line.includes('"inventory"'))
      .map((line) => line.replace(/.*outcome="(\w+)".* (\d+)$/, '$1 $2'));
    expect(openTelemetry).toEqual(prometheus);
    expect(openTelemetry).toEqual([
      'failure 2',
      'ignored 0',
      'rejected 2',
      'success 1',
      'timeout 0',
    ]);
    // The same durations, in seconds, in the same buckets: both heard the same observer calls.
    const failures = (await otel.reader.histogram('circuit_breaker.call.duration')).get(
      'circuit_breaker.call.duration{circuit_breaker.call.outcome="failure",circuit_breaker.name="inventory"}',
    )!;
    const series = (suffix: string) =>
      prometheusLines.filter(
        (line) =>
          line.startsWith(`circuit_breaker_call_duration_seconds_${suffix}`) &&
          line.includes('circuit="inventory",outcome="failure"'),
      );
    const prometheusLines = (await registry.metrics()).split('\n');
    expect(series('count')).toEqual([
      'circuit_breaker_call_duration_seconds_count{circuit="inventory",outcome="failure"} 2',
    ]);
    expect(failures.count).toBe(2);
    expect(failures.sum).toBeCloseTo(Number(series('sum')[0]!.split(' ')[1]), 12);
    let cumulative = 0;
    expect(series('bucket').map((line) => Number(line.split(' ')[1]))).toEqual([
      ...failures.buckets.counts.map((count) => (cumulative += count)),
    ]);
  });

  it('uses the global MeterProvider’s meter by default, named after the package and its version', async () => {
    metrics.setGlobalMeterProvider(otel.provider);
    try {
      app = await startInventoryApp({ openTelemetry: {} });
      await app.get(InventoryClient).stock();
      const scopes = await otel.reader.scopes();
      const { version } = JSON.parse(
        readFileSync(new URL('../../package.json', import.meta.url), 'utf8'),
      ) as { version: string };
      expect(scopes.map(({ scope }) => [scope.name, scope.version])).toEqual([
        ['nestjs-circuit-breaker', version],
      ]);
      expect(scopes[0]!.metrics.map((m) => m.descriptor.name)).toContain('circuit_breaker.calls');
    } finally {
      metrics.disable();
    }
  });

  it('creates no instrument without the openTelemetry option', async () => {
    metrics.setGlobalMeterProvider(otel.provider);
    try {
      app = await startInventoryApp({ metrics: { registry: new Registry() } });
      await app.get(InventoryClient).stock();
      expect(await otel.reader.scopes()).toEqual([]);
    } finally {
      metrics.disable();
    }
  });

  it('accepts an OpenTelemetry Meter where it asks for one, by type', () => {
    const meter: Meter = otel.meter;
    const described: OpenTelemetryMeter = meter; // compiles: a Meter is an OpenTelemetryMeter
    expect(described).toBe(meter);
  });

  it.each([
    [null, 'openTelemetry must be an object such as {} or { meter }, got null'],
    [{ meter: {} }, 'openTelemetry.meter must be an OpenTelemetry Meter'],
    [{ meter: 'default' }, 'openTelemetry.meter must be an OpenTelemetry Meter'],
    [{ maxCircuits: 0 }, 'openTelemetry.maxCircuits must be a whole number ≥ 1, got 0'],
    [{ buckets: [1, 0.5] }, 'openTelemetry.buckets must be increasing numbers'],
    [{ buckets: [] }, 'openTelemetry.buckets must be increasing numbers'],
  ])('fails start-up for bad openTelemetry options: %j', async (openTelemetry, message) => {
    await expect(
      startInventoryApp({
        openTelemetry: openTelemetry as CircuitBreakerModuleOptions['openTelemetry'],
      }),
    ).rejects.toThrow(message);
  });
});
