import type { MetricObjectWithValues, MetricType, MetricValueWithName } from 'prom-client';
import type { Subscription } from 'rxjs';
import type { Circuit } from '../engine/circuit.js';
import { CircuitState } from '../engine/circuit-state.js';
import type { CircuitBreakerRegistry } from '../nest/circuit-breaker.registry.js';
import { CALL_OUTCOMES, CallTally } from './call-tally.js';
import type { ResolvedMetricsOptions } from './resolve-metrics-options.js';

type PromClient = typeof import('prom-client');
type DurationLabels = 'circuit' | 'outcome' | 'le';

const STATES = Object.values(CircuitState);

/**
 * Registers the circuit metrics in `options.registry` and feeds them from every circuit of
 * `circuits`, those built later included (up to `maxCircuits`). Returns what undoes it all.
 *
 * - `<prefix>state{circuit,state}`: 1 for the state the circuit is in, 0 for the others;
 * - `<prefix>calls_total{circuit,outcome}`: success, failure, ignored, timeout, rejected, fallback;
 * - `<prefix>transitions_total{circuit,from,to}`;
 * - `<prefix>call_duration_seconds{circuit,outcome}`: the calls that ran.
 *
 * Calls are tallied per circuit in plain numbers (see `CallTally`) and read at each scrape.
 */
export function attachPrometheusMetrics(
  client: PromClient,
  circuits: CircuitBreakerRegistry,
  options: ResolvedMetricsOptions,
  warn: (message: string) => void,
): () => void {
  const { prefix, maxCircuits, buckets } = options;
  const registers = [options.registry ?? client.register];
  const tracked = new Map<string, { circuit: Circuit; tally: CallTally }>();

  new client.Gauge({
    name: `${prefix}state`,
    help: 'Circuit state: 1 for the state the circuit is in, 0 for the others',
    labelNames: ['circuit', 'state'] as const,
    registers,
    collect() {
      for (const [name, { circuit }] of tracked) {
        const current = circuit.state; // read now: an open circuit past its duration is half-open
        for (const each of STATES)
          this.set({ circuit: name, state: each }, each === current ? 1 : 0);
      }
    },
  });
  new client.Counter({
    name: `${prefix}calls_total`,
    help: 'Calls through the circuit, by outcome',
    labelNames: ['circuit', 'outcome'] as const,
    registers,
    collect() {
      this.reset();
      for (const [circuit, { tally }] of tracked) {
        for (const outcome of CALL_OUTCOMES) this.inc({ circuit, outcome }, tally.calls[outcome]);
      }
    },
  });
  const transitions = new client.Counter({
    name: `${prefix}transitions_total`,
    help: 'State changes of the circuit',
    labelNames: ['circuit', 'from', 'to'] as const,
    registers,
  });
  const durationName = `${prefix}call_duration_seconds`;
  const durationHelp = 'How long the calls that ran took, by outcome';
  // A prom-client histogram for its registration and type; its values come from the tallies.
  // The registry reads a metric through getForPromString() for text, get() for JSON.
  class TalliedHistogram extends client.Histogram<'circuit' | 'outcome'> {
    override async get(): Promise<MetricObjectWithValues<MetricValueWithName<DurationLabels>>> {
      return {
        name: durationName,
        help: durationHelp,
        type: 'histogram' as unknown as MetricType, // typed as an enum; the string at run time
        aggregator: 'sum',
        collect: () => undefined,
        values: [...tracked].flatMap(([circuit, { tally }]) => histogramValues(circuit, tally)),
      };
    }
    getForPromString(): Promise<MetricObjectWithValues<MetricValueWithName<DurationLabels>>> {
      return this.get();
    }
  }
  new TalliedHistogram({
    name: durationName,
    help: durationHelp,
    labelNames: ['circuit', 'outcome'] as const,
    buckets,
    registers,
  });

  const histogramValues = (circuit: string, tally: CallTally) =>
    Object.entries(tally.durations).flatMap(([outcome, duration]) => {
      if (duration.count === 0) return [];
      let cumulative = 0;
      const values: Array<MetricValueWithName<DurationLabels>> = buckets.map((le, i) => ({
        metricName: `${durationName}_bucket`,
        labels: { le, circuit, outcome },
        value: (cumulative += duration.perBucket[i]!),
      }));
      values.push(
        {
          metricName: `${durationName}_bucket`,
          labels: { le: '+Inf', circuit, outcome },
          value: duration.count,
        },
        {
          metricName: `${durationName}_sum`,
          labels: { circuit, outcome },
          value: duration.sumSeconds,
        },
        {
          metricName: `${durationName}_count`,
          labels: { circuit, outcome },
          value: duration.count,
        },
      );
      return values;
    });

  let warned = false;
  const track = (circuit: Circuit): void => {
    if (tracked.has(circuit.name)) return;
    if (tracked.size >= maxCircuits) {
      if (!warned) {
        warn(
          `metrics: more than ${maxCircuits} circuits; "${circuit.name}" and any later ones get no ` +
            'series (raise metrics.maxCircuits if these names are bounded)',
        );
        warned = true;
      }
      return;
    }
    const tally = new CallTally(buckets);
    tracked.set(circuit.name, { circuit, tally });
    circuit.observeCalls(tally.record);
  };

  circuits.all().forEach(track);
  const subscriptions: Subscription[] = [
    circuits.created$.subscribe(track),
    circuits.events$.subscribe(({ circuit, from, to }) => {
      if (tracked.has(circuit)) transitions.inc({ circuit, from, to });
    }),
  ];

  return () => {
    subscriptions.forEach((subscription) => subscription.unsubscribe());
    for (const { circuit } of tracked.values()) circuit.observeCalls(undefined);
    for (const name of ['state', 'calls_total', 'transitions_total', 'call_duration_seconds']) {
      for (const registry of registers) registry.removeSingleMetric(`${prefix}${name}`);
    }
  };
}
