import { randomUUID } from 'node:crypto';
import type { Circuit } from '../engine/circuit.js';
import type { CircuitTransitionReason } from '../engine/circuit-state.js';
import { longestOpenMs } from '../engine/open-duration.js';
import type { CircuitStore, FleetMember } from './circuit-store.interface.js';
import { OPEN_UNTIL_SLACK_MS } from './shared-state-record.js';

/**
 * The transitions by which a replica's own evidence opens its circuit: its trip rules, and a
 * probe of its own that failed or ran out of time. Shared as a vote, not as the fleet's state.
 * Not `retry_after`: the dependency itself asked for room, most often of the client identity (an
 * API key) every replica shares, so the hold is saved for all, sparing each its own 429.
 */
export const OWN_TRIPS: ReadonlySet<CircuitTransitionReason> = new Set([
  'consecutive_failures',
  'failure_rate',
  'slow_call_rate',
  'probe_failed',
  'probe_timed_out',
]);

/** A store that takes votes and reports: it decides for the fleet. */
export type FleetStore = CircuitStore & Required<Pick<CircuitStore, 'vote' | 'watch'>>;

export function decidesForFleet(store: CircuitStore): store is FleetStore {
  return typeof store.vote === 'function' && typeof store.watch === 'function';
}

/** An id for this replica (one application): random, so that no two replicas share one. */
export function newReplicaId(): string {
  return randomUUID();
}

/** `circuit` of replica `replica`, as a store that decides for the fleet reads it. */
export function fleetMemberOf(circuit: Circuit, replica: string): FleetMember {
  const { windowMs, failureRateThreshold, minimumThroughput, resetTimeoutMs } = circuit.options;
  return {
    circuit: circuit.name,
    replica,
    windowMs,
    failureRateThreshold,
    minimumThroughput,
    resetTimeoutMs,
    openForAtMostMs: longestOpenMs(circuit.options) + OPEN_UNTIL_SLACK_MS,
    counts: () => {
      const { totalCalls, successes, failures } = circuit.callCounts();
      return { calls: totalCalls, outcomes: successes + failures, failures };
    },
  };
}
