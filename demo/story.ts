import type { ObservedChange } from './circuit-watcher.js';
import type { RequestKind, RequestRecord } from './traffic.js';

/** Which circuit stands in front of each kind of request. */
export type CircuitOf = Readonly<Record<RequestKind, string>>;

/**
 * The sample app's circuits: its inventory calls go through the circuit of the inventory's
 * origin (the module's `outbound` option names it `outbound:<origin>`), POST /orders through
 * the route's `orders` circuit.
 */
export function circuitsOf(inventoryUrl: string): CircuitOf {
  return { stock: `outbound:${new URL(inventoryUrl).origin}`, order: 'orders' };
}

export interface LatencyStats {
  count: number;
  maxMs: number;
  medianMs: number;
}

export interface DemoSummary {
  circuits: CircuitOf;
  durationMs: number;
  requests: number;
  byKind: Record<RequestKind, number>;
  live: number;
  fallbacks: number;
  refused: number;
  errors: number;
  /** Latency by the state of the request's circuit when it was sent. */
  latency: Record<RequestKind, { closed: LatencyStats; open: LatencyStats }>;
  /** Live stock answers sent after the inventory circuit last closed following an open. */
  liveAfterRecovery: number;
  changes: ObservedChange[];
  /** Each circuit's state at the end. */
  finalStates: Record<string, string>;
}

export function summarize(
  records: readonly RequestRecord[],
  changes: readonly ObservedChange[],
  finalStates: Record<string, string>,
  durationMs: number,
  circuits: CircuitOf,
): DemoSummary {
  const count = (test: (record: RequestRecord) => boolean) => records.filter(test).length;
  const latency = (kind: RequestKind, state: 'closed' | 'open') =>
    latencyStats(
      records
        .filter((r) => r.kind === kind && stateAt(changes, circuits[kind], r.startedAt) === state)
        .map((r) => r.endedAt - r.startedAt),
    );
  // Closed by a probe: seen leaving half-open, or passing through it between two polls.
  const recovered = changes.filter(
    (c) =>
      c.circuit === circuits.stock &&
      c.to === 'closed' &&
      (c.from === 'half_open' || c.path.includes('half_open')),
  );
  const recoveredAt = recovered.length > 0 ? recovered[recovered.length - 1].at : Infinity;
  return {
    circuits,
    durationMs,
    requests: records.length,
    byKind: { stock: count((r) => r.kind === 'stock'), order: count((r) => r.kind === 'order') },
    live: count((r) => r.outcome === 'live'),
    fallbacks: count((r) => r.outcome === 'fallback'),
    refused: count((r) => r.outcome === 'refused'),
    errors: count((r) => r.outcome === 'error'),
    latency: {
      stock: { closed: latency('stock', 'closed'), open: latency('stock', 'open') },
      order: { closed: latency('order', 'closed'), open: latency('order', 'open') },
    },
    liveAfterRecovery: count(
      (r) => r.kind === 'stock' && r.outcome === 'live' && r.startedAt > recoveredAt,
    ),
    changes: [...changes],
    finalStates,
  };
}

/** What went wrong with the story; empty when it happened as told. */
export function judge(summary: DemoSummary): string[] {
  const problems: string[] = [];
  for (const circuit of Object.values(summary.circuits)) {
    const opened = summary.changes.some((c) => c.circuit === circuit && c.path.includes('open'));
    if (!opened) problems.push(`the ${circuit} circuit never opened`);
    const state = summary.finalStates[circuit];
    if (state === undefined) problems.push(`the app has no ${circuit} circuit`);
    else if (opened && state !== 'closed')
      problems.push(`the ${circuit} circuit did not close again (it is ${state})`);
  }
  if (summary.fallbacks === 0) problems.push('no fallback was served');
  if (summary.refused === 0) problems.push('POST /orders never got a 503');
  if (summary.liveAfterRecovery === 0)
    problems.push('no live stock answer came after the inventory circuit closed again');
  return problems;
}

/** The state a circuit was in at `time`, from the changes seen (closed before the first). */
export function stateAt(changes: readonly ObservedChange[], circuit: string, time: number): string {
  let state = 'closed';
  for (const change of changes) {
    if (change.circuit === circuit && change.at <= time) state = change.to;
  }
  return state;
}

function latencyStats(durations: number[]): LatencyStats {
  const sorted = [...durations].sort((a, b) => a - b);
  return {
    count: sorted.length,
    maxMs: sorted.length > 0 ? sorted[sorted.length - 1] : 0,
    medianMs: sorted.length > 0 ? sorted[Math.floor((sorted.length - 1) / 2)] : 0,
  };
}
