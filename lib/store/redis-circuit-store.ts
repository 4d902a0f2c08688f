import { Logger } from '@nestjs/common';
import type { Redis } from 'ioredis';
import {
  CircuitState,
  isSharedCircuitState,
  type SharedCircuitState,
} from '../engine/circuit-state.js';
import type { CircuitStore, SharedStateRecord } from './circuit-store.interface.js';
import { ACQUIRE_PROBE_SCRIPT, SAVE_SCRIPT } from './redis-scripts.js';

export interface RedisCircuitStoreOptions {
  /** Prefix of the store's keys and channel. Default `'circuit-breaker'`. */
  prefix?: string;
  /** How long a command may take before the circuits go on without it. Default `100` ms. */
  commandTimeoutMs?: number;
}

/** How long an open circuit's record outlives the process that wrote it. */
const OPEN_RECORD_TTL_MS = 24 * 60 * 60 * 1000;
/**
 * Shares circuit state between replicas through Redis (`ioredis`, an optional peer dependency):
 * a replica's state changes reach the others by pub/sub within milliseconds, the half-open
 * probe permits are counted in Redis, and a restarted replica resumes from the stored record.
 *
 * Redis being slow or gone never blocks or fails a call: nothing on a call's path waits for
 * Redis; a command that has no answer within `commandTimeoutMs` is given up and each replica
 * keeps its local state. The outage is logged once; when Redis is back, the states set meanwhile
 * are saved (the latest per circuit: nothing queues up) and every circuit is resynchronized.
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
  private readonly unsaved = new Map<string, { state: SharedCircuitState; openUntil: number }>();
  private subscriber: Redis | undefined;
  /** Whether the subscriber listens now: records saved elsewhere reach this replica. */
  private subscribed = false;
  private down = false;
  private recoveryTimer: NodeJS.Timeout | undefined;
  private pinging = false;
  private readonly resync = (): void => void this.resynchronize();

  constructor(
    private readonly redis: Redis,
    { prefix = 'circuit-breaker', commandTimeoutMs = 100 }: RedisCircuitStoreOptions = {},
  ) {
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
  }

  /** Resolves once subscribed, or after a while without Redis: start-up does not wait for it. */
  async connect(changed: (record: SharedStateRecord) => void): Promise<void> {
    this.listeners.add(changed);
    if (this.subscriber !== undefined) return;
    // Pub/sub needs a connection of its own. It subscribes on each (re)connection itself: ioredis's
    // own resubscribing leaves a rejected promise unhandled when the connection closes meanwhile.
    const subscriber = this.redis.duplicate({ enableOfflineQueue: false, autoResubscribe: false });
    this.subscriber = subscriber;
    subscriber.on('message', (channel: string, message: string) => {
      const record = channel === this.channel ? parseRecord(message) : undefined;
      if (record !== undefined) this.deliver(record);
    });
    subscriber.on('error', (error: Error) => this.outage(error));
    subscriber.on('close', () => (this.subscribed = false));
    this.redis.on('ready', this.resync);
    let firstSubscription: () => void = () => {};
    const subscribed = new Promise<void>((resolve) => (firstSubscription = resolve));
    const subscribe = () =>
      withTimeout(subscriber.subscribe(this.channel), this.commandTimeoutMs).then(() => {
        this.subscribed = true;
        firstSubscription();
        this.resync();
      });
    subscriber.on('ready', () => void subscribe().catch((error: unknown) => this.outage(error)));
    await withTimeout(subscribed, this.commandTimeoutMs * 10).catch((error: unknown) =>
      this.outage(error),
    );
  }

  async disconnect(changed: (record: SharedStateRecord) => void): Promise<void> {
    this.listeners.delete(changed);
    if (this.listeners.size > 0 || this.subscriber === undefined) return;
    this.redis.off('ready', this.resync);
    this.stopWatching();
    this.subscriber.disconnect();
    this.subscriber = undefined;
  }

  load(circuit: string): Promise<SharedStateRecord | undefined> {
    this.known.add(circuit);
    return this.command(() => this.redis.get(this.key(circuit, 'state'))).then((text) =>
      text === null ? undefined : parseRecord(text),
    );
  }

  save(circuit: string, state: SharedCircuitState, openUntil: number): void {
    this.known.add(circuit);
    const change = { state, openUntil };
    this.unsaved.set(circuit, change);
    const ttl =
      state === CircuitState.Open ? Math.max(0, openUntil - Date.now()) + OPEN_RECORD_TTL_MS : 0;
    this.command(() =>
      this.redis.eval(
        SAVE_SCRIPT,
        2,
        this.key(circuit, 'state'),
        this.key(circuit, 'version'),
        circuit,
        state,
        openUntil,
        Math.round(ttl),
        this.channel,
      ),
    ).then(
      () => {
        if (this.unsaved.get(circuit) === change) this.unsaved.delete(circuit);
      },
      () => {}, // kept in `unsaved`: saved when Redis is back
    );
  }

  acquire(circuit: string, openUntil: number, max: number, leaseMs: number): Promise<boolean> {
    return this.command(() =>
      this.redis.eval(
        ACQUIRE_PROBE_SCRIPT,
        1,
        this.key(circuit, `probes:${openUntil}`),
        max,
        Math.max(1, Math.round(leaseMs)),
      ),
    ).then((granted) => granted === 1);
  }

  /** One command, only while the client is ready (nothing queues up), given up after the timeout. */
  private command<T>(run: () => Promise<T>): Promise<T> {
    const status = this.redis.status;
    if (status !== 'ready') {
      const error = new Error(`Redis connection is ${status}`);
      // Still connecting at start-up is no outage: the first 'ready' resynchronizes.
      return Promise.reject(status === 'connecting' && !this.down ? error : this.outage(error));
    }
    return withTimeout(run(), this.commandTimeoutMs).catch((error: unknown) => {
      throw this.outage(error);
    });
  }

  private outage(error: unknown): unknown {
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
   * A Redis that hung and answers again brings no 'ready' event (the connection never broke):
   * during an outage, a ping each second finds out, and resynchronizes. One timer, unref()ed,
   * only while Redis is out.
   */
  private watchForRecovery(): void {
    if (this.recoveryTimer !== undefined) return;
    this.recoveryTimer = setInterval(() => {
      if (!this.down || this.subscriber === undefined) return this.stopWatching();
      if (this.redis.status !== 'ready' || this.pinging) return; // a reconnect brings 'ready'
      this.pinging = true;
      withTimeout(this.redis.ping(), this.commandTimeoutMs)
        .then(
          () => this.resynchronize(),
          () => {},
        )
        .finally(() => (this.pinging = false));
    }, 1_000);
    this.recoveryTimer.unref();
  }

  private stopWatching(): void {
    clearInterval(this.recoveryTimer);
    this.recoveryTimer = undefined;
  }

  /** Saves what could not be saved, then adopts what the other replicas saved meanwhile. */
  private async resynchronize(): Promise<void> {
    if (this.redis.status !== 'ready' || !this.subscribed) return;
    const wasDown = this.down;
    this.down = false;
    for (const [circuit, { state, openUntil }] of this.unsaved)
      this.save(circuit, state, openUntil);
    const records = await Promise.all(
      [...this.known].map((circuit) => this.load(circuit).catch(() => undefined)),
    );
    for (const record of records) if (record !== undefined) this.deliver(record);
    if (wasDown && !this.down) this.logger.log('Redis is back: circuit state resynchronized');
  }

  private deliver(record: SharedStateRecord): void {
    for (const listener of this.listeners) listener(record);
  }

  // The circuit's name in braces: its keys share a Redis Cluster slot, as the scripts need.
  private key(circuit: string, what: string): string {
    return `${this.prefix}:{${circuit}}:${what}`;
  }
}

function parseRecord(text: string): SharedStateRecord | undefined {
  try {
    const record = JSON.parse(text) as Partial<SharedStateRecord>;
    const valid =
      typeof record.circuit === 'string' &&
      isSharedCircuitState(record.state) &&
      typeof record.openUntil === 'number' &&
      typeof record.version === 'number';
    return valid ? (record as SharedStateRecord) : undefined;
  } catch {
    return undefined;
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer from Redis within ${ms} ms`)), ms);
    timer.unref();
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
