import type { Metric, MetricValueWithName, Registry } from 'prom-client';
import type { Circuit } from '../engine/circuit.js';
import { CircuitState } from '../engine/circuit-state.js';
import type { CircuitAttachment } from '../core/circuit-breaker.registry.js';
import { CALL_OUTCOMES, type CallTally } from './call-tally.js';
import type { MetricsExporter } from './metrics-exporter.js';
import type { ResolvedMetricsOptions } from './resolve-metrics-options.js';
import { TrackedCircuits } from './tracked-circuits.js';

type PromClient = typeof import('prom-client');
/** The circuits with series, and their tallies: read at each scrape. */
type Tracked = Map<Circuit, CallTally>;

/** A scrape: the text, and the content type that says its format. */
export interface PrometheusText {
  contentType: string;
  text: string;
}

const STATES = Object.values(CircuitState);
const METRICS = [
  'state',
  'calls_total',
  'fallbacks_total',
  'transitions_total',
  'call_duration_seconds',
] as const;

/**
 * The circuit metrics in one prom-client registry, fed by `attach(circuit)` for each circuit
 * (up to `maxCircuits`), each undone when its circuit goes:
 *
 * - `<prefix>state{circuit,state}`: 1 for the state the circuit is in, 0 for the others;
 * - `<prefix>calls_total{circuit,outcome}`: success, failure, ignored, timeout, rejected (one
 *   outcome per call: they partition the calls);
 * - `<prefix>fallbacks_total{circuit}`: the calls a fallback answered, among those failed,
 *   timed out or rejected;
 * - `<prefix>transitions_total{circuit,from,to}`;
 * - `<prefix>call_duration_seconds{circuit,outcome}`: the calls that ran.
 *
 * Every value is read from per-circuit tallies at scrape time (see `CallTally`), so a circuit
 * that goes takes its series with it, and one built again under its name starts afresh.
 */
export class PrometheusMetrics implements MetricsExporter {
  private readonly circuits: TrackedCircuits;
  private readonly registry: Registry;
  readonly attach: CircuitAttachment;

  constructor(
    client: PromClient,
    private readonly options: ResolvedMetricsOptions,
    warn: (message: string) => void,
  ) {
    this.circuits = new TrackedCircuits('metrics', options.maxCircuits, warn, options.buckets);
    this.attach = this.circuits.attach;
    // Any registry given is prom-client's (its type is described, not imported, by the options).
    this.registry = (options.registry as Registry | undefined) ?? client.register;
    const { prefix, buckets } = options;
    const registers = [this.registry]; // prom-client's metrics take a list of registries
    const tracked = this.circuits.tallies;
    stateGauge(client, `${prefix}state`, registers, tracked);
    callsCounter(client, `${prefix}calls_total`, registers, tracked);
    fallbacksCounter(client, `${prefix}fallbacks_total`, registers, tracked);
    transitionsCounter(client, `${prefix}transitions_total`, registers, tracked);
    this.registry.registerMetric(
      durationHistogram(`${prefix}call_duration_seconds`, buckets, tracked),
    );
  }

  /** Everything in the registry, as Prometheus scrapes it. */
  async scrape(): Promise<PrometheusText> {
    return { contentType: this.registry.contentType, text: await this.registry.metrics() };
  }

  /** Takes the metrics out of the registry. */
  close(): void {
    for (const name of METRICS) this.registry.removeSingleMetric(`${this.options.prefix}${name}`);
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

function fallbacksCounter(
  client: PromClient,
  name: string,
  registers: Registry[],
  tracked: Tracked,
) {
  new client.Counter({
    name,
    help: 'Calls answered by a fallback (each counted in calls_total too, as failed, timed out or rejected)',
    labelNames: ['circuit'] as const,
    registers,
    collect() {
      this.reset();
      for (const [circuit, tally] of tracked) this.inc({ circuit: circuit.name }, tally.fallbacks);
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
