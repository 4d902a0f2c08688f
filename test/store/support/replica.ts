import {
  Injectable,
  Logger,
  Module,
  type INestApplicationContext,
  type LoggerService,
} from '@nestjs/common';
import { expect } from '@jest/globals';
import { NestFactory } from '@nestjs/core';
import { Cluster, Redis } from 'ioredis';
import {
  CircuitBreaker,
  CircuitBreakerModule,
  CircuitBreakerRegistry,
  CircuitState,
  RedisCircuitStore,
  type Circuit,
  type CircuitOptions,
  type CircuitStore,
  type FleetOptions,
} from '../../../lib/index.js';
import { CircuitStateSharing } from '../../../lib/store/circuit-state-sharing.js';

/** The open duration of `payments` unless a test sets its own: long, so no test races it. */
export const RESET_TIMEOUT_MS = 60_000;

/** Counts the calls running inside the dependency together, across every replica given it. */
export class Concurrency {
  now = 0;
  max = 0;
  enter(): void {
    this.max = Math.max(this.max, ++this.now);
  }
  leave(): void {
    this.now--;
  }
}

/** The dependency as one replica sees it: its answers are set by the test; its calls counted. */
@Injectable()
export class PaymentsClient {
  failing = false;
  calls = 0;
  /** While set, every call waits for it: the test decides when the dependency answers. */
  gate: Promise<void> | undefined;
  concurrency: Concurrency | undefined;

  @CircuitBreaker({ name: 'payments', failureThreshold: 2, resetTimeoutMs: RESET_TIMEOUT_MS })
  async charge(): Promise<string> {
    this.calls++;
    this.concurrency?.enter();
    try {
      if (this.gate !== undefined) await this.gate;
      if (this.failing) throw new Error('payments down');
      return 'charged';
    } finally {
      this.concurrency?.leave();
    }
  }
}

export interface ReplicaOptions {
  /** `circuits` of `forRoot()`: options per circuit, over the decorator's. */
  circuits?: Record<string, CircuitOptions>;
  /** `storeTimeoutMs` of `forRoot()`. */
  storeTimeoutMs?: number;
  /** The store's `fleet` option (RedisCircuitStore's default when not given). */
  fleet?: FleetOptions;
  /**
   * The Redis store's `commandTimeoutMs` (its default, 100 ms, when not given). A test that needs
   * every command answered (a probe permit refused, not granted locally by a store that timed
   * out) sets a long one: on a busy machine Redis can take longer than 100 ms to answer.
   */
  commandTimeoutMs?: number;
}

/**
 * Fleet decisions by which any one replica's trip opens the circuit for every replica: for the
 * tests of what happens once a circuit is open for all (ordering of records, probe permits,
 * Cluster failover…), which start from one replica tripping. Not the default.
 */
export const ANY_REPLICA_OPENS: FleetOptions = Object.freeze({ minReplicas: 1, ratio: 0 });

/** One replica: a Nest application with its own Redis client, sharing state through `store`. */
export class Replica {
  private constructor(
    readonly app: INestApplicationContext,
    readonly store: CircuitStore,
    readonly redis: Redis | Cluster | undefined,
  ) {}

  static async start(
    store: CircuitStore,
    { circuits, storeTimeoutMs }: ReplicaOptions = {},
    redis?: Redis | Cluster,
  ): Promise<Replica> {
    @Module({
      imports: [CircuitBreakerModule.forRoot({ store, circuits, storeTimeoutMs })],
      providers: [PaymentsClient],
    })
    class ReplicaModule {}
    const app = await NestFactory.createApplicationContext(ReplicaModule, {
      logger: false,
      abortOnError: false,
    });
    return new Replica(await app.init(), store, redis);
  }

  /** A replica on Redis at `port`, as a user would set it up. */
  static onRedis(port: number, prefix: string, options?: ReplicaOptions): Promise<Replica> {
    const redis = new Redis({
      port,
      host: '127.0.0.1',
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      retryStrategy: () => 50, // reconnect quickly in tests
    });
    redis.on('error', () => {}); // outages are expected here; the store logs its own
    const { fleet, commandTimeoutMs } = options ?? {};
    const store = new RedisCircuitStore(redis, { prefix, fleet, commandTimeoutMs });
    return Replica.start(store, options, redis);
  }

  /** A replica on the Redis Cluster whose masters listen on `ports`. */
  static onCluster(ports: readonly number[], prefix: string, options?: ReplicaOptions) {
    const cluster = new Cluster(
      ports.map((port) => ({ host: '127.0.0.1', port })),
      {
        enableOfflineQueue: false,
        redisOptions: { maxRetriesPerRequest: 1 },
        clusterRetryStrategy: () => 50,
      },
    );
    cluster.on('error', () => {});
    cluster.on('node error', () => {});
    const { fleet, commandTimeoutMs } = options ?? {};
    const store = new RedisCircuitStore(cluster, { prefix, fleet, commandTimeoutMs });
    return Replica.start(store, options, cluster);
  }

  get client(): PaymentsClient {
    return this.app.get(PaymentsClient);
  }

  get circuit(): Circuit {
    return this.registry.get('payments')!;
  }

  get registry(): CircuitBreakerRegistry {
    return this.app.get(CircuitBreakerRegistry);
  }

  /** The loggers this replica's store and its sharing warn with: to tell replicas' warnings apart. */
  get loggers(): { store: LoggerService | undefined; sharing: LoggerService } {
    const loggerOf = (owner: unknown) => (owner as { logger?: Logger }).logger!;
    return {
      store: this.store instanceof RedisCircuitStore ? loggerOf(this.store) : undefined,
      sharing: loggerOf(this.app.get(CircuitStateSharing)),
    };
  }

  async close(): Promise<void> {
    await this.app.close();
    this.redis?.disconnect();
  }
}

/**
 * Trips a closed `circuit` open by itself (failing calls, in this very tick): an automatic
 * transition, as opposed to an operator's. (A store may answer at once with a forced state.)
 */
export function tripNow(circuit: Circuit): void {
  for (let i = 0; i < 100 && circuit.state === CircuitState.Closed; i++) {
    try {
      circuit.executeSync(() => {
        throw new Error('payments down');
      });
    } catch {
      // counted as a failure
    }
  }
  if (circuit.state === CircuitState.Closed) throw new Error(`${circuit.name} did not trip`);
}

/**
 * Trips `replica`'s (closed) circuit with failing calls, as traffic would, and checks that they
 * opened it. Read from its history, not its state: a test's short open period may have run out
 * already on a busy machine (then half-open, the change after the opening).
 */
export async function trip(replica: Replica): Promise<void> {
  replica.client.failing = true;
  await expect(replica.client.charge()).rejects.toThrow('payments down');
  await expect(replica.client.charge()).rejects.toThrow('payments down');
  const changes = replica.circuit.history().map(({ from, to }) => `${from} → ${to}`);
  if (changes.at(-1) === 'open → half_open') changes.pop();
  expect(changes.at(-1)).toBe('closed → open');
  expect(replica.circuit.state).not.toBe(CircuitState.Closed);
}

/** Whether `replica` took the open period `from` has: the same moment for its probes. */
export function sameOpening(replica: Replica, from: Replica): boolean {
  const openUntil = from.circuit.openUntilEpoch;
  return openUntil > 0 && replica.circuit.openUntilEpoch === openUntil;
}
