import type { SharedCircuitState } from '../engine/circuit-state.js';
import type { ProbePermits } from '../engine/shared-probes.js';

/** A circuit's state as a store shares it between replicas. */
export interface SharedStateRecord {
  readonly circuit: string;
  readonly state: SharedCircuitState;
  /** Epoch milliseconds when an open circuit lets a probe through; 0 unless open. */
  readonly openUntil: number;
  /**
   * Set by an operator: forced open, disabled, or closed by `release()` / `reset()`. A forced
   * state gives way only to another manual one, never to a circuit tripping or closing by itself.
   */
  readonly manual: boolean;
  /**
   * Orders the records of a circuit: an older record never undoes a newer one. Epoch
   * milliseconds of the store's clock, raised past the previous record's when needed, so that
   * the order survives a store that restarts empty.
   */
  readonly version: number;
}

/** A circuit's counters as one replica reports them: totals since the circuit was built (or reset). */
export interface FleetCounts {
  /** Every call, refused ones included: the replica is active while this grows. */
  readonly calls: number;
  /** Calls that ran and succeeded or failed: what a failure rate is over. */
  readonly outcomes: number;
  readonly failures: number;
}

/** One replica's circuit, as a store that decides for the fleet sees it. */
export interface FleetMember {
  readonly circuit: string;
  /** This replica (this application), random per start: what distinct votes are counted by. */
  readonly replica: string;
  /** The circuit's options that fleet decisions read. */
  readonly windowMs: number;
  readonly failureRateThreshold: number | undefined;
  readonly minimumThroughput: number;
  readonly resetTimeoutMs: number;
  /**
   * How far ahead an open record of this circuit may end, at most: its longest open duration
   * plus a minute of clock skew. One further away is not believed, and holds nothing.
   */
  readonly openForAtMostMs: number;
  /** Read when the store reports (every few hundred ms), never on a call's path. */
  counts(): FleetCounts;
}

/**
 * Where circuit state is shared between the replicas of an application:
 * `forRoot({ store: new RedisCircuitStore(redis) })`. Without a store, each replica keeps its
 * own state in memory. What is shared: open (with its open-until time), forced open, disabled,
 * closed, and the half-open probe permits. Counting of calls stays per replica; with `vote` and
 * `watch`, a replica's own trip opens it alone, and the store opens a circuit for every replica
 * on fleet evidence (see `FleetOptions`).
 *
 * A store never blocks or fails a call: the circuits call `save` without waiting; only a call
 * that may probe a half-open circuit waits for `acquire` (1 s at most), and a store that cannot
 * reach its backend leaves each replica on its local state.
 */
export interface CircuitStore extends ProbePermits {
  /** Starts sharing: `changed` receives every record saved by any replica, this one included. */
  connect(changed: (record: SharedStateRecord) => void): void | Promise<void>;
  /** The record shared for `circuit`, if any (`undefined` or `null` if none): a restarted replica resumes from it. */
  load(circuit: string): Promise<SharedStateRecord | null | undefined>;
  /**
   * Shares a state this replica's circuit took; `manual` when an operator set it. A forced open
   * or disabled record is replaced only by another manual one. Never throws; a failure is the
   * store's to handle.
   */
  save(circuit: string, state: SharedCircuitState, openUntil: number, manual: boolean): void;
  /**
   * This replica's circuit tripped on its own (its rules, or a failed probe): it is open here, and
   * this is its vote to open the circuit for every replica. The store opens it for all (saving
   * and sending an open record, until `openUntil` or as the store decides) only on fleet
   * evidence (see `FleetOptions`); when a record that holds (open, forced) refuses it, the
   * store sends that record to this replica. Optional: a store without `vote` and `watch` is
   * sent `save(…, 'open', …)` instead, and any replica's trip opens the circuit for all.
   */
  vote?(member: FleetMember, openUntil: number): void;
  /**
   * Reports `member`'s calls from now on, in batches (counter deltas read off `counts()`), while
   * it has calls: the store learns which replicas are active, and their outcomes. Returns what
   * stops it. Optional, with `vote`.
   */
  watch?(member: FleetMember): () => void;
  /** Stops sending records to `changed`, and frees what the store opened for it (never a client it was given). */
  disconnect(changed: (record: SharedStateRecord) => void): Promise<void>;
}
