import { Logger } from '@nestjs/common';
import type { Cluster, Redis } from 'ioredis';
import { startVerdictTimeout } from '../engine/after-pending-io.js';
import { CircuitState, isForcedState, type SharedCircuitState } from '../engine/circuit-state.js';
import type { CircuitStore, FleetMember, SharedStateRecord } from './circuit-store.interface.js';
import {
  resolveFleetOptions,
  type FleetOptions,
  type ResolvedFleetOptions,
} from './fleet-options.js';
import { FleetReports, type FleetDelta } from './fleet-reports.js';
import { FLEET_BUCKETS } from './fleet-tally.js';
import { FLEET_SCRIPT } from './redis-fleet-script.js';
import { ACQUIRE_PROBE_SCRIPT, RELEASE_PROBE_SCRIPT, SAVE_SCRIPT } from './redis-scripts.js';
import { RedisClock, REDIS_CLOCK_SKEW_MS } from './redis-clock.js';
import { invalidRecordReason } from './shared-state-record.js';

/**
 * An ioredis client, a standalone `Redis` (Sentinel-backed too) or a `Cluster`, by the members
 * the store uses. Described here rather than imported, so that the package's types compile in
 * an app without ioredis; any ioredis client is one.
 */
export interface RedisClient {
  readonly status: string;
  readonly isCluster: boolean;
  duplicate(...args: never[]): unknown;
  get(key: string): Promise<string | null>;
  time(): Promise<unknown>;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- ioredis's own listener type
  on(event: string, listener: (...args: any[]) => void): unknown;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- ioredis's own listener type
  off(event: string, listener: (...args: any[]) => void): unknown;
}

export interface RedisCircuitStoreOptions {
  /** Prefix of the store's keys and channel. Default `'circuit-breaker'`. */
  prefix?: string;
  /** How long a command may take before the circuits go on without it. Default `100` ms. */
  commandTimeoutMs?: number;
  /**
   * How the replicas decide that a circuit opens for all of them. Default: a quorum of the
   * replicas active in the window, at least 2, must trip on their own.
   */
  fleet?: FleetOptions;
}

/**
 * How long Redis may leave a check unanswered, after a command went unanswered within
 * `commandTimeoutMs`, before it is called unavailable: this, or ten command timeouts when longer.
 */
const SILENCE_MS = 1_000;

/** How long a record outlives the moment it stops mattering (an open period's end, a closing). */
const RECORD_TTL_MS = 24 * 60 * 60 * 1000;

type Change = { state: SharedCircuitState; openUntil: number; manual: boolean };

/** A trip of this replica's, sent as a vote; `unanswered` once Redis did not take it. */
type Trip = { member: FleetMember; openUntil: number; unanswered: boolean };

/**
 * Shares circuit state between replicas through Redis (`ioredis`, an optional peer dependency;
 * a standalone client, or a `Cluster`): a replica's state changes reach the others by pub/sub
 * within milliseconds, the half-open probe permits are counted in Redis, and a restarted
 * replica resumes from the stored record.
 *
 * Redis being slow or gone never blocks or fails a call: nothing on a call's path waits for
 * Redis but a would-be probe, for its permit; a command that has no answer within
 * `commandTimeoutMs` is given up and each replica keeps its local state. One slow answer is no
 * outage (see unanswered()). An outage is logged once; when Redis is back, the states set meanwhile
 * are saved (the latest per circuit: nothing queues up), forced states that a Redis restarted
 * empty lost are saved again, and every circuit is resynchronized.
 *
 * @example
 * const redis = new Redis({ enableOfflineQueue: false, maxRetriesPerRequest: 1 });
 * CircuitBreakerModule.forRoot({ store: new RedisCircuitStore(redis, { prefix: 'orders' }) })
 */
export class RedisCircuitStore implements CircuitStore {
  private readonly logger = new Logger('RedisCircuitStore');
  private readonly prefix: string;
  private readonly commandTimeoutMs: number;
  private readonly channel: string;
  private readonly listeners = new Set<(record: SharedStateRecord) => void>();
  /** Circuits this replica has asked about: resynchronized when Redis is back. */
  private readonly known = new Set<string>();
  /** The latest state per circuit that could not be saved yet. */
  private readonly unsaved = new Map<string, Change>();
  /** The latest trip per circuit that could not be sent yet: sent when Redis is back, if still open. */
  private readonly unvoted = new Map<string, Trip>();
  /** The forced states known to hold, per circuit: saved again if Redis comes back without them. */
  private readonly forced = new Map<string, Change>();
  /** Keys (and the channel) found holding something that is not a record: one warning each. */
  private readonly badKeys = new Set<string>();
  /** Redis's clock, which gives every version: a record far ahead of it is refused. */
  private readonly clock = new RedisClock();
  private subscriber: Redis | Cluster | undefined;
  /** Whether the subscriber listens now: records saved elsewhere reach this replica. */
  private subscribed = false;
  /** Whether an outage was noticed and Redis has not been caught up with since. */
  private down = false;
  /** Whether the client was ever seen ready: connecting after that is an outage. */
  private wasReady = false;
  /** Failures noticed so far: a resynchronization during which one happened did not succeed. */
  private failures = 0;
  private resynchronizing = false;
  /** Whether a command went unanswered in time and Redis is being asked whether it is there. */
  private checking = false;
  private recoveryTimer: NodeJS.Timeout | undefined;
  private firstSubscription: () => void = () => {};
  private readonly resync = (): void => void this.resynchronize();

  private readonly redis: Redis | Cluster;
  private readonly fleet: ResolvedFleetOptions;
  private readonly reports: FleetReports;

  constructor(
    redis: RedisClient,
    { prefix = 'circuit-breaker', commandTimeoutMs = 100, fleet }: RedisCircuitStoreOptions = {},
  ) {
    // An ioredis `Redis` or `Cluster`, as its type (described, not imported) says.
    this.redis = redis as unknown as Redis | Cluster;
    if (typeof redis?.duplicate !== 'function') {
      throw new TypeError('RedisCircuitStore: the first argument must be an ioredis client');
    }
    if (typeof prefix !== 'string' || prefix === '') {
      throw new TypeError(`RedisCircuitStore: prefix must be a non-empty string, got ${prefix}`);
    }
    if (!(typeof commandTimeoutMs === 'number' && commandTimeoutMs > 0)) {
      throw new TypeError(
        `RedisCircuitStore: commandTimeoutMs must be a number > 0, got ${commandTimeoutMs}`,
      );
    }
    this.prefix = prefix;
    this.commandTimeoutMs = commandTimeoutMs;
    this.channel = `${prefix}:changes`;
    this.fleet = resolveFleetOptions('RedisCircuitStore', fleet);
    this.reports = new FleetReports(this.fleet.reportIntervalMs, (member, delta) =>
      this.decide(member, delta, 0),
    );
  }

  /** Resolves once subscribed, or after a while without Redis: start-up does not wait for it. */
  async connect(changed: (record: SharedStateRecord) => void): Promise<void> {
    this.listeners.add(changed);
    if (this.subscriber !== undefined) return;
    // Pub/sub needs a connection of its own. It subscribes on each (re)connection itself: ioredis's
    // own resubscribing leaves a rejected promise unhandled when the connection closes meanwhile.
    const subscriber = duplicateForPubSub(this.redis);
    this.subscriber = subscriber;
    subscriber.on('message', (channel: string, message: string) => {
      if (channel === this.channel) this.received(message);
    });
    subscriber.on('error', (error: Error) => this.outage(error));
    // Messages published while it is away are missed: an outage, caught up with once it is back.
    subscriber.on('close', () => {
      this.subscribed = false;
      this.outage(new Error('connection closed'));
    });
    this.redis.on('ready', this.resync);
    const subscribed = new Promise<void>((resolve) => (this.firstSubscription = resolve));
    subscriber.on('ready', () => {
      this.subscribe().then(this.resync, (error: unknown) => this.failed(error));
    });
    // Not subscribed by then (a Cluster still discovering its slots): start without waiting more.
    // The subscription goes on; whether Redis is unavailable is for subscribe() to find.
    await withTimeout(subscribed, this.commandTimeoutMs * 10).catch(() => {});
  }

  /**
   * Subscribes to the channel (again). A SUBSCRIBE answered late still counts, and catches up
   * with what was missed meanwhile; one that failed is tried again by resynchronize().
   */
  private subscribe(): Promise<void> {
    const subscriber = this.subscriber;
    if (subscriber === undefined) return Promise.resolve();
    let late = false;
    const subscribed = subscriber.subscribe(this.channel).then(() => {
      if (this.subscriber !== subscriber) return;
      this.subscribed = true;
      this.firstSubscription();
      if (late) this.resync();
    });
    return withTimeout(subscribed, this.commandTimeoutMs).catch((error: unknown) => {
      late = error instanceof NoAnswerError;
      throw error;
    });
  }

  async disconnect(changed: (record: SharedStateRecord) => void): Promise<void> {
    this.listeners.delete(changed);
    if (this.listeners.size > 0 || this.subscriber === undefined) return;
    this.redis.off('ready', this.resync);
    this.stopWatching();
    const subscriber = this.subscriber;
    this.subscriber = undefined;
    this.subscribed = false;
    subscriber.removeAllListeners(); // closing it is no outage
    subscriber.on('error', () => {});
    subscriber.disconnect();
  }

  load(circuit: string): Promise<SharedStateRecord | undefined> {
    this.known.add(circuit);
    const key = this.key(circuit, 'state');
    return this.command(key, () => this.redis.get(key)).then((text) =>
      text === null ? undefined : this.parse(text, key, circuit),
    );
  }

  save(circuit: string, state: SharedCircuitState, openUntil: number, manual = false): void {
    this.known.add(circuit);
    const change: Change = { state, openUntil, manual };
    this.unvoted.delete(circuit); // a later state of this replica's: its trip is over
    this.unsaved.set(circuit, change);
    this.remember(circuit, change);
    void this.write(circuit, change);
  }

  /** Saves `change` in Redis; resolves with whether Redis answered (never rejects). */
  private write(circuit: string, change: Change): Promise<boolean> {
    const { state, openUntil, manual } = change;
    const key = this.key(circuit, 'state');
    const saved = (reply: unknown): boolean => {
      if (this.unsaved.get(circuit) === change) this.unsaved.delete(circuit);
      const [ok, record, garbage] = reply as [number, string, number];
      if (garbage === 1) this.badKey(key, 'it held something that is not a record; replaced');
      // Refused: an operator's forced state holds. This replica adopts it at once.
      if (ok === 0) this.received(record, key);
      return true;
    };
    let sent: Promise<unknown> | undefined;
    const ttl =
      state === CircuitState.Open
        ? Math.max(0, openUntil - Date.now()) + RECORD_TTL_MS
        : isForcedState(state)
          ? 0 // an operator's state lasts until an operator ends it
          : RECORD_TTL_MS;
    return this.command(
      key,
      () =>
        (sent = this.redis.eval(
          SAVE_SCRIPT,
          3,
          key,
          this.key(circuit, 'fleet:voters'),
          this.key(circuit, 'fleet:outcomes'),
          circuit,
          state,
          openUntil,
          manual ? '1' : '0',
          Math.round(ttl),
          this.channel,
          REDIS_CLOCK_SKEW_MS,
        )),
    ).then(saved, (error: unknown) => {
      // Answered late, it still holds; else kept in `unsaved`: saved when Redis is back.
      if (error instanceof NoAnswerError) sent?.then(saved, () => {});
      return false;
    });
  }

  vote(member: FleetMember, openUntil: number): void {
    this.sendTrip(member.circuit, { member, openUntil, unanswered: false });
  }

  /** Sends a trip; one Redis does not answer is kept, for when it is back (see resynchronize()). */
  private sendTrip(circuit: string, trip: Trip): Promise<void> {
    this.unvoted.set(circuit, trip);
    return this.decide(trip.member, undefined, trip.openUntil).then((answered) => {
      if (this.unvoted.get(circuit) !== trip) return; // a later state of this replica's since
      if (answered) this.unvoted.delete(circuit);
      else trip.unanswered = true;
    });
  }

  watch(member: FleetMember): () => void {
    return this.reports.watch(member);
  }

  /**
   * Sends a trip (`openUntil` > 0) or a report of calls (`delta`) of `member`'s replica; Redis
   * decides whether the circuit opens for all (FLEET_SCRIPT). Resolves with whether Redis
   * answered (never rejects). A report Redis missed is not sent again: the next one counts.
   */
  private decide(
    member: FleetMember,
    delta: FleetDelta | undefined,
    openUntil: number,
  ): Promise<boolean> {
    const { circuit, replica, windowMs, failureRateThreshold, minimumThroughput, resetTimeoutMs } =
      member;
    this.known.add(circuit);
    const key = this.key(circuit, 'state');
    const rate = this.fleet.decide === 'rate' && failureRateThreshold !== undefined;
    const decided = (reply: unknown): boolean => {
      const [, record, garbage] = reply as [number, string | null, number];
      if (garbage === 1) this.badKey(key, 'it held something that is not a record; replaced');
      // Not opened: a record that holds (open, forced) is adopted here at once.
      if (typeof record === 'string') this.received(record, key);
      return true;
    };
    let sent: Promise<unknown> | undefined;
    return this.command(
      key,
      () =>
        (sent = this.redis.eval(
          FLEET_SCRIPT,
          4,
          key,
          this.key(circuit, 'fleet:voters'),
          this.key(circuit, 'fleet:active'),
          this.key(circuit, 'fleet:outcomes'),
          circuit,
          replica,
          openUntil > 0 ? '1' : '0',
          Math.round(openUntil),
          windowMs,
          this.fleet.minReplicas,
          this.fleet.ratio,
          rate ? (delta?.outcomes ?? 0) : 0,
          rate ? (delta?.failures ?? 0) : 0,
          rate ? failureRateThreshold : 0,
          minimumThroughput,
          resetTimeoutMs,
          this.channel,
          REDIS_CLOCK_SKEW_MS,
          FLEET_BUCKETS,
          member.openForAtMostMs,
        )),
    ).then(decided, (error: unknown) => {
      if (error instanceof NoAnswerError) sent?.then(decided, () => {});
      return false;
    });
  }

  acquire(circuit: string, openUntil: number, max: number, leaseMs: number): Promise<boolean> {
    const key = this.key(circuit, `probes:${openUntil}`);
    return this.command(key, () =>
      this.redis.eval(ACQUIRE_PROBE_SCRIPT, 1, key, max, Math.max(1, Math.round(leaseMs))),
    ).then((granted) => granted === 1);
  }

  release(circuit: string, openUntil: number, count: number): Promise<void> {
    const key = this.key(circuit, `probes:${openUntil}`);
    return this.command(key, () => this.redis.eval(RELEASE_PROBE_SCRIPT, 1, key, count)).then(
      () => {},
    );
  }

  /**
   * One command, only while the client is ready (nothing queues up), given up after the timeout.
   * A key of another type is no outage: Redis is there, the key is bad. Any other error is one,
   * those Redis answers with included (a cluster that is down, a node still loading…). A command
   * given up is not one by itself (see unanswered()).
   */
  private command<T>(key: string, run: () => Promise<T>): Promise<T> {
    const status = this.redis.status;
    if (status !== 'ready') {
      const error = new Error(`Redis connection is ${status}`);
      // Still connecting at start-up is no outage: the first 'ready' resynchronizes. Connecting
      // again later is one (a Cluster reconnecting goes from 'ready' straight to 'connecting').
      const starting = !this.wasReady && ['wait', 'connecting', 'connect'].includes(status);
      return Promise.reject(starting ? error : this.outage(error));
    }
    this.wasReady = true;
    return withTimeout(run(), this.commandTimeoutMs).catch((error: unknown) => {
      if (error instanceof NoAnswerError) throw this.unanswered(error, key);
      const message = error instanceof Error ? error.message : '';
      if (message.startsWith('WRONGTYPE')) {
        this.badKey(key, message);
        throw error;
      }
      throw this.outage(error);
    });
  }

  /** A subscription that failed: unanswered in time, or an outage. */
  private failed(error: unknown): void {
    if (error instanceof NoAnswerError) this.unanswered(error, this.channel);
    else this.outage(error);
  }

  /**
   * One slow answer is no outage: Redis may be busy, or this process (a burst of calls, a loaded
   * machine, a Cluster still discovering its slots). The command given up counts as a failure
   * (a resynchronization during it has not succeeded), and the node that holds `key` (the same
   * connection, on a Cluster the same master) is asked whether the key exists: only if that gets
   * no answer within SILENCE_MS (or ten command timeouts) is Redis unavailable. The connection's
   * own word (an error, a close, not ready) is taken at once.
   */
  private unanswered(error: NoAnswerError, key: string): NoAnswerError {
    this.failures++;
    if (this.down || this.checking) return error;
    this.checking = true;
    const silenceMs = Math.max(SILENCE_MS, this.commandTimeoutMs * 10);
    const status = this.redis.status;
    const check =
      status === 'ready'
        ? this.redis.exists(key)
        : Promise.reject(new Error(`Redis connection is ${status}`));
    withTimeout(check, silenceMs).then(
      () => {
        this.checking = false;
        // Redis is there, but this replica does not listen (a SUBSCRIBE lost): subscribe again.
        if (!this.subscribed) this.resync();
      },
      (cause: unknown) => {
        this.checking = false;
        this.outage(cause);
      },
    );
    return error;
  }

  private outage(error: unknown): unknown {
    this.failures++;
    if (!this.down) {
      this.down = true;
      this.logger.warn(
        `Redis unavailable (${error instanceof Error ? error.message : String(error)}): ` +
          'circuits keep their local state until it is back',
      );
      this.watchForRecovery();
    }
    return error;
  }

  /**
   * A Redis that hung and answers again brings no 'ready' event (the connection never broke),
   * nor does a Cluster whose failed node is back: during an outage, a resynchronization each
   * second finds out. One timer, unref()ed, only while Redis is out.
   */
  private watchForRecovery(): void {
    if (this.recoveryTimer !== undefined) return;
    this.recoveryTimer = setInterval(() => {
      if (!this.down || this.subscriber === undefined) return this.stopWatching();
      void this.resynchronize();
    }, 1_000);
    this.recoveryTimer.unref();
  }

  private stopWatching(): void {
    clearInterval(this.recoveryTimer);
    this.recoveryTimer = undefined;
  }

  /**
   * Catches up with Redis: saves what could not be saved, then adopts what the other replicas
   * saved meanwhile. A forced state this replica knows to hold, which Redis no longer has
   * (restarted without persistence), is saved again: an operator's command is never lost to a
   * restart. The outage is over only when every command of it succeeded; until then, it is
   * tried again each second, and nothing more is logged.
   */
  private async resynchronize(): Promise<void> {
    if (this.redis.status !== 'ready' || this.resynchronizing) return;
    // Not listening: records saved elsewhere would be missed. A subscriber that is not ready
    // yet subscribes when it is; one whose SUBSCRIBE went unanswered in time tries again here.
    if (!this.subscribed && this.subscriber?.status !== 'ready') return;
    this.resynchronizing = true;
    const failures = this.failures;
    try {
      if (!this.subscribed) await this.subscribe();
      // Redis answers at all (a hung one does not): else nothing more is tried. Its clock is
      // read on the way: records are checked against it.
      const sentAt = Date.now();
      const time = await this.command(this.channel, () => this.redis.time());
      this.clock.learn(time, sentAt, Date.now());
      await Promise.all([...this.unsaved].map(([circuit, change]) => this.write(circuit, change)));
      // A trip still in force is still evidence: it is sent (its vote counts within the window).
      const now = Date.now();
      await Promise.all(
        [...this.unvoted].map(([circuit, trip]) => {
          if (trip.openUntil <= now) this.unvoted.delete(circuit);
          else if (trip.unanswered) return this.sendTrip(circuit, { ...trip, unanswered: false });
        }),
      );
      const circuits = [...this.known];
      const records = await Promise.all(
        circuits.map((circuit) => this.load(circuit).catch(() => null)),
      );
      const saves = records.map((record, i) => {
        const circuit = circuits[i]!;
        const forced = this.forced.get(circuit);
        if (record === undefined && forced !== undefined && !this.unsaved.has(circuit)) {
          return this.write(circuit, forced);
        }
        if (record) this.deliver(record);
        return true;
      });
      await Promise.all(saves);
      if (this.down && this.failures === failures) {
        this.down = false;
        this.logger.log('Redis is back: circuit state resynchronized');
      }
    } catch {
      // an outage, noticed by command(): tried again while it lasts
    } finally {
      this.resynchronizing = false;
    }
  }

  /**
   * A record from the channel (or a refused save): checked, remembered, handed on. Only for
   * the circuits this replica has: what names another is none of its business, and warning
   * about it, or keeping it, would let whoever writes to the channel fill logs and memory.
   */
  private received(text: string, key?: string): void {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      this.badKey(key ?? this.channel, 'it is not JSON');
      return;
    }
    const circuit = (value as { circuit?: unknown } | null)?.circuit;
    if (typeof circuit === 'string' && !this.known.has(circuit)) return;
    const where = key ?? (typeof circuit === 'string' ? this.key(circuit, 'state') : this.channel);
    const record = this.check(value, where, typeof circuit === 'string' ? circuit : undefined);
    if (record !== undefined) this.deliver(record);
  }

  private deliver(record: SharedStateRecord): void {
    this.remember(record.circuit, record);
    for (const listener of this.listeners) listener(record);
  }

  /** Keeps track of the forced state that holds for `circuit`, if any. */
  private remember(circuit: string, { state, openUntil, manual }: Change): void {
    if (isForcedState(state)) this.forced.set(circuit, { state, openUntil, manual: true });
    else if (manual) this.forced.delete(circuit); // released or reset: nothing forced holds
  }

  /** `text` as a record of `circuit`, or undefined (with one warning per key) when it is not one. */
  private parse(
    text: string,
    key: string,
    circuit: string | undefined,
  ): SharedStateRecord | undefined {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      return this.badKey(key, 'it is not JSON');
    }
    return this.check(value, key, circuit);
  }

  /**
   * `value`, parsed from what `key` held, as a record of `circuit` (its `manual` filled in), or
   * undefined (with one warning per key) when it is not one.
   */
  private check(
    value: unknown,
    key: string,
    circuit: string | undefined,
  ): SharedStateRecord | undefined {
    const reason = invalidRecordReason(value);
    if (reason !== undefined) return this.badKey(key, reason);
    const valid = value as SharedStateRecord;
    if (this.clock.isAhead(valid.version)) {
      return this.badKey(
        key,
        `version ${valid.version} is more than ${REDIS_CLOCK_SKEW_MS} ms ahead of Redis's clock`,
      );
    }
    const record: SharedStateRecord = { ...valid, manual: valid.manual === true };
    if (circuit !== undefined && record.circuit !== circuit) {
      return this.badKey(key, `it names circuit ${JSON.stringify(record.circuit)}`);
    }
    return record;
  }

  /** Warns once per key (or for the channel) that what it held was ignored. */
  private badKey(key: string, reason: string): undefined {
    if (!this.badKeys.has(key)) {
      this.badKeys.add(key);
      const where = key === this.channel ? `a message on channel "${key}"` : `Redis key "${key}"`;
      this.logger.warn(`ignored ${where}: ${reason}`);
    }
    return undefined;
  }

  // The circuit's name in braces: its keys share a Redis Cluster slot, as the scripts need.
  private key(circuit: string, what: string): string {
    return `${this.prefix}:{${circuit}}:${what}`;
  }
}

/**
 * A connection of the same kind, for pub/sub only: nothing queued while it is down. A Cluster's
 * duplicate has the same startup nodes (`[]`: none instead) and options; its `redisOptions` are
 * merged by hand, as ioredis 5 replaces them where ioredis 6 merges them. Its subscription is
 * kept by ioredis's cluster subscriber, which moves it to another node when its node fails.
 */
function duplicateForPubSub(redis: Redis | Cluster): Redis | Cluster {
  if (redis.isCluster) {
    const cluster = redis as Cluster;
    return cluster.duplicate([], {
      enableOfflineQueue: false,
      redisOptions: { ...cluster.options.redisOptions, autoResubscribe: false },
    });
  }
  return (redis as Redis).duplicate({ enableOfflineQueue: false, autoResubscribe: false });
}

/** A command Redis did not answer in time (it may still answer). */
class NoAnswerError extends Error {}

/**
 * `promise`, or a NoAnswerError after `ms`, judged after the I/O that came meanwhile: an answer
 * that arrived while the process was busy is read first, not taken for none (`afterPendingIo`).
 */
function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let cancel: (() => void) | undefined;
  const timeout = new Promise<never>((_, reject) => {
    const noAnswer = () => reject(new NoAnswerError(`no answer from Redis within ${ms} ms`));
    cancel = startVerdictTimeout(noAnswer, ms);
  });
  return Promise.race([promise, timeout]).finally(() => cancel!());
}
