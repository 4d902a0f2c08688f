import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import type { Circuit } from '../engine/circuit.js';
import {
  CircuitState,
  isSharedCircuitState,
  type CircuitTransitionReason,
} from '../engine/circuit-state.js';
import { MAX_TIMER_MS } from '../engine/clock.js';
import { longestOpenMs } from '../engine/open-duration.js';
import { CIRCUIT_BREAKER_OPTIONS } from '../core/circuit-breaker.constants.js';
import { CircuitBreakerRegistry } from '../core/circuit-breaker.registry.js';
import type { CircuitStore, SharedStateRecord } from './circuit-store.interface.js';
import {
  decidesForFleet,
  fleetMemberOf,
  newReplicaId,
  OWN_TRIPS,
  type FleetStore,
} from './fleet-member.js';
import {
  assertCircuitStore,
  invalidRecordReason,
  OPEN_UNTIL_SLACK_MS,
} from './shared-state-record.js';

/** The transitions an operator makes: their records hold against any automatic one. */
const MANUAL_REASONS: ReadonlySet<CircuitTransitionReason> = new Set([
  'forced_open',
  'disabled',
  'released',
  'reset',
]);

/** How long `store.connect()` and `store.disconnect()` may take unless `storeTimeoutMs` says otherwise. */
export const DEFAULT_STORE_TIMEOUT_MS = 5_000;

/**
 * Connects every circuit of the registry to the module's `store`, when there is one: each state
 * a circuit takes here is saved, each state saved elsewhere is adopted (newest version wins),
 * a circuit resumes from the store's record when it is built, and half-open probe permits come
 * from the store. Every record is checked before a circuit adopts it. Without a store this
 * does nothing.
 *
 * With a store that decides for the fleet (`vote` and `watch`), a replica's own trip opens that
 * replica only and is its vote; the store opens the circuit for all on fleet evidence. A replica
 * open on its own trip does not take an automatic closing from the others (its own path may be
 * what fails): it probes on its own clock. Manual states are fleet-wide and win, as before.
 */
@Injectable()
export class CircuitStateSharing implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('CircuitBreakerStore');
  private readonly store: CircuitStore | undefined;
  private readonly versions = new Map<string, number>();
  /** Circuits a bad record was reported for: one warning each. */
  private readonly warned = new Set<string>();
  private detach: (() => void) | undefined;
  private readonly changed = (record: SharedStateRecord): void => this.adopt(record);
  /** This application as a replica, in fleet decisions. */
  private readonly replica = newReplicaId();
  /** Circuits open (or half-open) here on this replica's own trip, not on the fleet's word. */
  private readonly ownTrips = new Set<string>();

  private readonly timeoutMs: number;

  constructor(
    @Inject(CIRCUIT_BREAKER_OPTIONS)
    { store, storeTimeoutMs }: { store?: CircuitStore; storeTimeoutMs?: number },
    private readonly circuits: CircuitBreakerRegistry,
  ) {
    if (store !== undefined) assertCircuitStore(store);
    this.store = store;
    this.timeoutMs = checkStoreTimeout(storeTimeoutMs);
    if (store !== undefined && !decidesForFleet(store)) {
      this.logger.warn(
        'the store has no vote() and watch(): any replica that trips opens its circuits for every ' +
          'replica (implement both, or use RedisCircuitStore or InMemoryCircuitStore, for fleet decisions)',
      );
    }
  }

  async onModuleInit(): Promise<void> {
    const store = this.store;
    if (store === undefined) return;
    this.detach = this.circuits.attach((circuit) => this.share(store, circuit));
    try {
      await this.within('connect', () => store.connect(this.changed));
    } catch (error) {
      // Start anyway, on local state: the store resynchronizes when its backend is back.
      this.logger.warn(`store unavailable at start-up, circuits use local state: ${error}`);
    }
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.store === undefined) return;
    this.detach?.();
    this.detach = undefined;
    const store = this.store;
    try {
      await this.within('disconnect', () => store.disconnect(this.changed));
    } catch (error) {
      // The store is the user's code: its failure must not fail the application's shutdown.
      this.logger.warn(`store.disconnect() failed: ${error}`);
    }
  }

  /**
   * What `store.<method>()` gives, or a rejection once `storeTimeoutMs` has passed without it: a
   * store that never answers neither keeps the application from starting nor from stopping.
   * The timer holds the process up while it waits, as the start-up or shutdown it bounds does.
   */
  private within(method: 'connect' | 'disconnect', run: () => unknown): Promise<unknown> {
    const ms = this.timeoutMs;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(new Error(`store.${method}() did not settle within ${ms} ms (storeTimeoutMs)`)),
        ms,
      );
    });
    return Promise.race([Promise.resolve().then(run), timeout]).finally(() => clearTimeout(timer));
  }

  private share(store: CircuitStore, circuit: Circuit): () => void {
    circuit.shareProbePermits(store);
    const fleet = decidesForFleet(store) ? store : undefined;
    const member = fleet && fleetMemberOf(circuit, this.replica);
    const unwatch = member && fleet!.watch(member);
    /** The half-open period this replica probes in: the `openUntil` it began at. */
    let probing = 0;
    const unsubscribe = circuit.subscribe(({ from, to, reason }) => {
      const name = circuit.name;
      if (to === CircuitState.HalfOpen) probing = circuit.openUntilEpoch;
      // A state adopted from the store is not sent back; half-open is each replica's own.
      if (reason === 'shared' || !isSharedCircuitState(to)) return;
      const openUntil = Math.round(circuit.openUntilEpoch);
      try {
        if (fleet !== undefined && to === CircuitState.Open && OWN_TRIPS.has(reason)) {
          this.ownTrips.add(name);
          // A failed probe's permit goes back at once: a healthy replica may probe for all.
          if (from === CircuitState.HalfOpen) this.giveBack(fleet, name, probing);
          return fleet.vote(member!, openUntil);
        }
        this.ownTrips.delete(name);
        store.save(name, to, openUntil, MANUAL_REASONS.has(reason));
      } catch (error) {
        this.logger.warn(
          `store.${to === CircuitState.Open ? 'vote' : 'save'}() threw for circuit "${name}": ${error}`,
        );
      }
    });
    Promise.resolve()
      .then(() => store.load(circuit.name))
      .then(
        (record) => record && this.adopt(record),
        () => {}, // the store logs its own outages; the circuit starts from its local state
      );
    return () => {
      unsubscribe();
      unwatch?.();
      this.ownTrips.delete(circuit.name);
      circuit.shareProbePermits(undefined);
    };
  }

  private giveBack(store: FleetStore, circuit: string, period: number): void {
    if (period === 0 || typeof store.release !== 'function') return;
    Promise.resolve()
      .then(() => store.release!(circuit, period, 1))
      .catch(() => {}); // the permit's lease ends it
  }

  private adopt(record: SharedStateRecord): void {
    const circuit = this.circuits.get((record as { circuit?: unknown })?.circuit as string);
    if (circuit === undefined) return;
    const now = Date.now();
    const reason = invalidRecordReason(record, now) ?? this.outOfRange(circuit, record, now);
    if (reason !== undefined) return this.reject(circuit.name, reason);
    if (record.version <= (this.versions.get(record.circuit) ?? 0)) return;
    this.versions.set(record.circuit, record.version);
    const manual = record.manual === true;
    if (this.ownTrips.has(record.circuit)) {
      // Open on its own evidence: the others' automatic closing says nothing of this replica's path.
      const ownStill =
        circuit.state === CircuitState.Open || circuit.state === CircuitState.HalfOpen;
      if (ownStill && record.state === CircuitState.Closed && !manual) return;
      this.ownTrips.delete(record.circuit);
    }
    circuit.adoptSharedState(record.state, record.openUntil, manual);
  }

  /** A record that opens the circuit for longer than it ever opens itself is not believed. */
  private outOfRange(
    circuit: Circuit,
    { openUntil }: SharedStateRecord,
    now: number,
  ): string | undefined {
    const latest = now + longestOpenMs(circuit.options) + OPEN_UNTIL_SLACK_MS;
    return openUntil > latest
      ? `openUntil ${new Date(Math.min(openUntil, 8.64e15)).toISOString()} is past the circuit's longest open duration`
      : undefined;
  }

  private reject(circuit: string, reason: string): void {
    if (this.warned.has(circuit)) return;
    this.warned.add(circuit);
    this.logger.warn(`ignored a shared record for circuit "${circuit}": ${reason}`);
  }
}

/** `storeTimeoutMs` as given, or its default; a whole number of ms the timers can wait. */
function checkStoreTimeout(storeTimeoutMs: unknown): number {
  if (storeTimeoutMs === undefined) return DEFAULT_STORE_TIMEOUT_MS;
  if (
    typeof storeTimeoutMs !== 'number' ||
    !Number.isSafeInteger(storeTimeoutMs) ||
    storeTimeoutMs < 1 ||
    storeTimeoutMs > MAX_TIMER_MS
  ) {
    throw new TypeError(
      `CircuitBreakerModule: storeTimeoutMs must be a whole number of milliseconds from 1 to ${MAX_TIMER_MS}, got ${String(storeTimeoutMs)}`,
    );
  }
  return storeTimeoutMs;
}
