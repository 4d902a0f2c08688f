import { CircuitState, isForcedState, type SharedCircuitState } from '../engine/circuit-state.js';
import type { CircuitStore, FleetMember, SharedStateRecord } from './circuit-store.interface.js';
import {
  resolveFleetOptions,
  type FleetOptions,
  type ResolvedFleetOptions,
} from './fleet-options.js';
import { FleetReports, type FleetDelta } from './fleet-reports.js';
import { FleetTally } from './fleet-tally.js';
import { nextVersion } from './shared-state-record.js';

export interface InMemoryCircuitStoreOptions {
  /** How the replicas decide that a circuit opens for all of them (as `RedisCircuitStore`'s). */
  fleet?: FleetOptions;
}

/**
 * Shares circuit state between the applications of one process that are given the same
 * instance (tests, several Nest apps in one worker). Answers at once, so it changes nothing of
 * how one application's circuits behave. Follows the same rules as `RedisCircuitStore`: a
 * forced state gives way only to a manual one, records are ordered by time, and a circuit opens
 * for every application only on fleet evidence (`fleet`); each application is one replica.
 */
export class InMemoryCircuitStore implements CircuitStore {
  private readonly records = new Map<string, SharedStateRecord>();
  /** Per circuit, the permits of its current half-open period (the `openUntil` it began at). */
  private readonly probes = new Map<
    string,
    { openUntil: number; taken: number; expiresAt: number }
  >();
  private readonly listeners = new Set<(record: SharedStateRecord) => void>();
  private readonly fleet: ResolvedFleetOptions;
  private readonly tallies = new Map<string, FleetTally>();
  private readonly reports: FleetReports;

  constructor({ fleet }: InMemoryCircuitStoreOptions = {}) {
    this.fleet = resolveFleetOptions('InMemoryCircuitStore', fleet);
    this.reports = new FleetReports(this.fleet.reportIntervalMs, (member, delta) =>
      this.report(member, delta),
    );
  }

  connect(changed: (record: SharedStateRecord) => void): void {
    this.listeners.add(changed);
  }

  load(circuit: string): Promise<SharedStateRecord | undefined> {
    return Promise.resolve(this.records.get(circuit));
  }

  save(circuit: string, state: SharedCircuitState, openUntil: number, manual = false): void {
    const current = this.records.get(circuit);
    if (current !== undefined && isForcedState(current.state) && !manual) {
      // An operator's state holds: the replica that tried to replace it is told what holds.
      for (const listener of this.listeners) listener(current);
      return;
    }
    if (manual) this.tallies.get(circuit)?.clear(); // an operator's state starts the evidence afresh
    const version = nextVersion(current?.version, Date.now());
    const record: SharedStateRecord = { circuit, state, openUntil, manual, version };
    this.records.set(circuit, record);
    for (const listener of this.listeners) listener(record);
  }

  vote(member: FleetMember, openUntil: number): void {
    // A trip while an operator's state holds, or the circuit is open for all, counts for nothing:
    // the voter takes that record (each application here is sent it; each takes it once).
    const holds = (record: SharedStateRecord) =>
      isForcedState(record.state) ||
      (record.state === CircuitState.Open && openFor(record, member.openForAtMostMs));
    if (this.resend(member.circuit, holds)) return;
    if (this.tally(member.circuit).vote(member, Date.now())) {
      this.openForAll(member.circuit, openUntil, member.openForAtMostMs);
    }
  }

  watch(member: FleetMember): () => void {
    return this.reports.watch(member);
  }

  private report(member: FleetMember, delta: FleetDelta): void {
    const now = Date.now();
    if (this.tally(member.circuit).report(member, delta, now)) {
      this.openForAll(member.circuit, now + member.resetTimeoutMs, member.openForAtMostMs);
    }
  }

  private tally(circuit: string): FleetTally {
    let tally = this.tallies.get(circuit);
    if (tally === undefined) this.tallies.set(circuit, (tally = new FleetTally(this.fleet)));
    return tally;
  }

  /** Opens `circuit` for every replica, unless an operator's state holds (sent again) or it is. */
  private openForAll(circuit: string, openUntil: number, openForAtMostMs: number): void {
    if (this.resend(circuit, (record) => isForcedState(record.state))) return;
    const current = this.records.get(circuit);
    if (current?.state === CircuitState.Open && openFor(current, openForAtMostMs)) return;
    this.tally(circuit).clear();
    this.save(circuit, CircuitState.Open, Math.round(openUntil), false);
  }

  /** Sends the record of `circuit` again when `holds` says it holds: true then. */
  private resend(circuit: string, holds: (record: SharedStateRecord) => boolean): boolean {
    const current = this.records.get(circuit);
    if (current === undefined || !holds(current)) return false;
    for (const listener of this.listeners) listener(current);
    return true;
  }

  acquire(circuit: string, openUntil: number, max: number, leaseMs: number): boolean {
    const now = Date.now();
    let lease = this.probes.get(circuit);
    // A new period replaces the last one's permits: nothing piles up as a circuit keeps opening.
    if (lease === undefined || lease.openUntil !== openUntil || lease.expiresAt <= now) {
      lease = { openUntil, taken: 0, expiresAt: now + leaseMs };
      this.probes.set(circuit, lease);
    }
    if (lease.taken >= max) return false;
    lease.taken++;
    return true;
  }

  release(circuit: string, openUntil: number, count: number): void {
    const lease = this.probes.get(circuit);
    if (lease !== undefined && lease.openUntil === openUntil) {
      lease.taken = Math.max(0, lease.taken - count);
    }
  }

  disconnect(changed: (record: SharedStateRecord) => void): Promise<void> {
    this.listeners.delete(changed);
    return Promise.resolve();
  }
}

/** Whether an open `record` is in force: not ended, and not further away than `atMostMs`. */
function openFor({ openUntil }: SharedStateRecord, atMostMs: number): boolean {
  const now = Date.now();
  return openUntil > now && openUntil <= now + atMostMs;
}
