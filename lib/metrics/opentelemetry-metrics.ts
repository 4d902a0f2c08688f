import type {
  Attributes,
  BatchObservableResult,
  Histogram,
  Meter,
  Observable,
} from '@opentelemetry/api';
import type { CallObserver, CallOutcome } from '../engine/call-observer.js';
import type { Circuit } from '../engine/circuit.js';
import { CircuitState } from '../engine/circuit-state.js';
import type { CircuitAttachment } from '../core/circuit-breaker.registry.js';
import { CALL_OUTCOMES, TIMED_OUTCOMES, type CallTally } from './call-tally.js';
import { INSTRUMENTATION_SCOPE } from './instrumentation-scope.js';
import type { MetricsExporter } from './metrics-exporter.js';
import type { ResolvedOpenTelemetryOptions } from './resolve-opentelemetry-options.js';
import { TrackedCircuits } from './tracked-circuits.js';

type OpenTelemetryApi = typeof import('@opentelemetry/api');

/**
 * Names after OpenTelemetry's semantic conventions (general/naming.md, general/metrics.md):
 * dotted lowercase, one `circuit_breaker` namespace for the metrics and their attributes, units
 * in the unit field (UCUM: `s`, `{call}`), counters of countable things plural, no `_total`.
 */
const METRIC = {
  state: 'circuit_breaker.state',
  calls: 'circuit_breaker.calls',
  fallbacks: 'circuit_breaker.fallbacks',
  transitions: 'circuit_breaker.transitions',
  duration: 'circuit_breaker.call.duration',
} as const;

const ATTRIBUTE = {
  circuit: 'circuit_breaker.name',
  outcome: 'circuit_breaker.call.outcome',
  state: 'circuit_breaker.state',
  previousState: 'circuit_breaker.previous_state',
} as const;

const STATES = Object.values(CircuitState);

/**
 * The circuit metrics on one OpenTelemetry meter, fed by `attach(circuit)` for each circuit
 * (up to `maxCircuits`), each undone when its circuit goes:
 *
 * - `circuit_breaker.state` {circuit}: 1 for the state the circuit is in, 0 for the other four
 *   (an UpDownCounter, as semconv's `k8s.container.status.state`: summed over circuits, it
 *   counts the circuits in each state);
 * - `circuit_breaker.calls` {call}, by `circuit_breaker.call.outcome` (one per call: the
 *   outcomes partition the calls);
 * - `circuit_breaker.fallbacks` {call}: the calls a fallback answered, each also in `calls`;
 * - `circuit_breaker.transitions` {transition}, by `circuit_breaker.previous_state` and
 *   `circuit_breaker.state` (the state entered);
 * - `circuit_breaker.call.duration` (s): a histogram of the calls that ran, by outcome.
 *
 * The counters and the state are observable, read at collection from per-circuit tallies (see
 * `CallTally`), so that a circuit no longer tracked is no longer observed. OpenTelemetry has no
 * observable histogram: the durations are recorded as each call ends.
 */
export class OpenTelemetryMetrics implements MetricsExporter {
  private readonly tracked: ReadonlyMap<Circuit, CallTally>;
  readonly attach: CircuitAttachment;
  private readonly meter: Meter;
  private readonly state: Observable;
  private readonly calls: Observable;
  private readonly fallbacks: Observable;
  private readonly transitions: Observable;
  private readonly duration: Histogram;

  constructor(
    api: OpenTelemetryApi,
    options: ResolvedOpenTelemetryOptions,
    warn: (message: string) => void,
  ) {
    // Any meter given is an OpenTelemetry Meter (its type is described, not imported, by the options).
    const meter = (options.meter as Meter | undefined) ?? defaultMeter(api);
    const valueType = api.ValueType.INT;
    this.meter = meter;
    this.state = meter.createObservableUpDownCounter(METRIC.state, {
      description: 'Circuit state: 1 for the state the circuit is in, 0 for the others',
      unit: '{circuit}',
      valueType,
    });
    this.calls = meter.createObservableCounter(METRIC.calls, {
      description: 'Calls through the circuit, by outcome',
      unit: '{call}',
      valueType,
    });
    this.fallbacks = meter.createObservableCounter(METRIC.fallbacks, {
      description: 'Calls answered by a fallback (each counted in calls too, by its outcome)',
      unit: '{call}',
      valueType,
    });
    this.transitions = meter.createObservableCounter(METRIC.transitions, {
      description: 'State changes of the circuit',
      unit: '{transition}',
      valueType,
    });
    this.duration = meter.createHistogram(METRIC.duration, {
      description: 'How long the calls that ran took, by outcome',
      unit: 's',
      advice: { explicitBucketBoundaries: options.buckets },
    });
    meter.addBatchObservableCallback(this.observe, this.observables());
    // The tallies count; the SDK's histogram records the durations.
    const circuits = new TrackedCircuits(
      'openTelemetry',
      options.maxCircuits,
      warn,
      undefined,
      (tally, circuit) => recorder(tally, this.duration, circuit.name),
    );
    this.tracked = circuits.tallies;
    this.attach = circuits.attach;
  }

  /** Stops observing: a meter cannot drop its instruments, but they report nothing more. */
  close(): void {
    this.meter.removeBatchObservableCallback(this.observe, this.observables());
  }

  private observables(): Observable[] {
    return [this.state, this.calls, this.fallbacks, this.transitions];
  }

  /** One pass over the tracked circuits per collection, for the observable instruments. */
  private readonly observe = (result: BatchObservableResult): void => {
    for (const [circuit, tally] of this.tracked) {
      const name = circuit.name;
      const current = circuit.state; // read now: an open circuit past its duration is half-open
      for (const state of STATES) {
        const attributes = { [ATTRIBUTE.circuit]: name, [ATTRIBUTE.state]: state };
        result.observe(this.state, state === current ? 1 : 0, attributes);
      }
      for (const outcome of CALL_OUTCOMES) {
        const attributes = { [ATTRIBUTE.circuit]: name, [ATTRIBUTE.outcome]: outcome };
        result.observe(this.calls, tally.calls[outcome], attributes);
      }
      result.observe(this.fallbacks, tally.fallbacks, { [ATTRIBUTE.circuit]: name });
      for (const { from, to, count } of tally.transitions.values()) {
        const attributes = {
          [ATTRIBUTE.circuit]: name,
          [ATTRIBUTE.previousState]: from,
          [ATTRIBUTE.state]: to,
        };
        result.observe(this.transitions, count, attributes);
      }
    }
  };
}

function defaultMeter(api: OpenTelemetryApi): Meter {
  return api.metrics.getMeter(INSTRUMENTATION_SCOPE.name, INSTRUMENTATION_SCOPE.version);
}

/**
 * The circuit's one call observer: counts every call, and records the duration of those that
 * ran. The attributes are built once per circuit: the SDK hashes them on every `record()`
 * (its cost, not ours), and a new object per call would add garbage to it.
 */
function recorder(tally: CallTally, duration: Histogram, circuit: string): CallObserver {
  const attributes = {} as Partial<Record<CallOutcome, Attributes>>;
  for (const outcome of TIMED_OUTCOMES) {
    attributes[outcome] = { [ATTRIBUTE.circuit]: circuit, [ATTRIBUTE.outcome]: outcome };
  }
  return (outcome, durationMs, weight) => {
    tally.record(outcome, durationMs, weight);
    const ran = attributes[outcome];
    if (ran === undefined) return;
    // The API's histogram takes no weight: a sample is recorded once per call it stands for.
    for (let i = 0; i < weight; i++) duration.record(durationMs / 1000, ran);
  };
}
