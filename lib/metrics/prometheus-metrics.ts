import type { Metric, MetricValueWithName, Registry } from 'prom-client';
import type { Circuit } from '../engine/circuit.js';
import { CircuitState } from '../engine/circuit-state.js';
import { CALL_OUTCOMES, CallTally } from './call-tally.js';
import type { ResolvedMetricsOptions } from './resolve-metrics-options.js';

type PromClient = typeof import('prom-client');
/** The circuits with series, and their tallies: read at each scrape. */
type Tracked = Map<Circuit, CallTally>;

const STATES = Object.values(CircuitState);
const METRICS = ['state', 'calls_total', 'transitions_total', 'call_duration_seconds'] as const;

/**
 * The circuit metrics in one prom-client registry, fed by `attach(circuit)` for each circuit
 * (up to `maxCircuits`), each undone when its circuit goes:
 *
 * - `<prefix>state{circuit,state}`: 1 for the state the circuit is in, 0 for the others;
 * - `<prefix>calls_total{circuit,outcome}`: success, failure, ignored, timeout, rejected, fallback;
 * - `<prefix>transitions_total{circuit,from,to}`;
 * - `<prefix>call_duration_seconds{circuit,outcome}`: the calls that ran.
 *
 * Every value is read from per-circuit tallies at scrape time (see `CallTally`), so a circuit
 * that goes takes its series with it, and one built again under its name starts afresh.
 */
export class PrometheusMetrics {
  private readonly tracked: Tracked = new Map();
  private readonly registries: Registry[];
  private warned = false;

  constructor(
    client: PromClient,
    private readonly options: ResolvedMetricsOptions,
    private readonly warn: (message: string) => void,
  ) {
    // Any registry given is prom-client's (its type is described, not imported, by the options).
    this.registries = [(options.registry as Registry | undefined) ?? client.register];
    const { prefix, buckets } = options;
    const registers = this.registries;
    const tracked = this.tracked;
    stateGauge(client, `${prefix}state`, registers, tracked);
    callsCounter(client, `${prefix}calls_total`, registers, tracked);
    transitionsCounter(client, `${prefix}transitions_total`, registers, tracked);
    for (const registry of registers) {
      registry.registerMetric(
        durationHistogram(`${prefix}call_duration_seconds`, buckets, tracked),
      );
    }
  }

  /** Gives `circuit` its series (a registry attachment); returns what takes them away. */
  readonly attach = (circuit: Circuit): (() => void) | void => {
    if (this.tracked.size >= this.options.maxCircuits) return this.refuse(circuit);
    const tally = new CallTally(this.options.buckets);
    this.tracked.set(circuit, tally);
    const stopObserving = circuit.observeCalls(tally.record);
    const unsubscribe = circuit.subscribe(({ from, to }) => tally.transition(from, to));
    return () => {
      unsubscribe();
      stopObserving();
      this.tracked.delete(circuit);
    };
  };

  /** Takes the metrics out of the registry. */
  close(): void {
    for (const registry of this.registries) {
      for (const name of METRICS) registry.removeSingleMetric(`${this.options.prefix}${name}`);
    }
  }

  private refuse(circuit: Circuit): void {
    if (this.warned) return;
    this.warned = true;
    this.warn(
      `metrics: more than ${this.options.maxCircuits} circuits; "${circuit.name}" and any later ones get no ` +
        'series (raise metrics.maxCircuits if these names are bounded)',
    );
  }
}

function stateGauge(client: PromClient, name: string, registers: Registry[], tracked: Tracked) {
  new client.Gauge({
    name,
    help: 'Circuit state: 1 for the state the circuit is in, 0 for the others',
    labelNames: ['circuit', 'state'] as const,
    registers,
    collect() {
      this.reset();
      for (const circuit of tracked.keys()) {
        const current = circuit.state; // read now: an open circuit past its duration is half-open
        for (const state of STATES)
          this.set({ circuit: circuit.name, state }, state === current ? 1 : 0);
      }
    },
  });
}

function callsCounter(client: PromClient, name: string, registers: Registry[], tracked: Tracked) {
  new client.Counter({
    name,
    help: 'Calls through the circuit, by outcome',
    labelNames: ['circuit', 'outcome'] as const,
    registers,
    collect() {
      this.reset();
      for (const [circuit, tally] of tracked) {
        for (const outcome of CALL_OUTCOMES) {
          this.inc({ circuit: circuit.name, outcome }, tally.calls[outcome]);
        }
      }
    },
  });
}

function transitionsCounter(
  client: PromClient,
  name: string,
  registers: Registry[],
  tracked: Tracked,
) {
  new client.Counter({
    name,
    help: 'State changes of the circuit',
    labelNames: ['circuit', 'from', 'to'] as const,
    registers,
    collect() {
      this.reset();
      for (const [circuit, tally] of tracked) {
        for (const { from, to, count } of tally.transitions.values()) {
          this.inc({ circuit: circuit.name, from, to }, count);
        }
      }
    },
  });
}

type DurationLabels = 'circuit' | 'outcome' | 'le';

/**
 * A histogram read from the tallies, as the registry reads any metric (`get()`, and
 * `getForPromString()` for text): prom-client's own Histogram would have every call observed.
 */
function durationHistogram(name: string, buckets: readonly number[], tracked: Tracked): Metric {
  const help = 'How long the calls that ran took, by outcome';
  const values = () =>
    [...tracked].flatMap(([circuit, tally]) =>
      Object.entries(tally.durations).flatMap(([outcome, duration]) => {
        if (duration.count === 0) return [];
        const labels = { circuit: circuit.name, outcome };
        let cumulative = 0;
        const series: Array<MetricValueWithName<DurationLabels>> = buckets.map((le, i) => ({
          metricName: `${name}_bucket`,
          labels: { le, ...labels },
          value: (cumulative += duration.perBucket[i]!),
        }));
        series.push(
          {
            metricName: `${name}_bucket`,
            labels: { le: '+Inf', ...labels },
            value: duration.count,
          },
          { metricName: `${name}_sum`, labels, value: duration.sumSeconds },
          { metricName: `${name}_count`, labels, value: duration.count },
        );
        return series;
      }),
    );
  const get = async () => ({ name, help, type: 'histogram', aggregator: 'sum', values: values() });
  return { name, help, get, getForPromString: get, reset() {} } as unknown as Metric;
}
