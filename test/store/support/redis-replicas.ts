import { jest } from '@jest/globals';
import { Redis } from 'ioredis';
import { CircuitState } from '../../../lib/index.js';
import { RedisServer } from '../../../bench/redis-server.js';
import { Logs } from './logs.js';
import { Replica, type ReplicaOptions } from './replica.js';
import { waitFor } from './wait-for.js';

/**
 * A real redis-server for one test file, and `count` replicas on it for each test, each test
 * with keys of its own. Registers the hooks; a test reads the fields once they have run. After
 * each test, every replica is closed. (A promise left rejected and unhandled fails the test: Jest
 * 30 does that by itself.)
 */
export function redisReplicas(count = 3, options?: ReplicaOptions) {
  let tests = 0;
  jest.setTimeout(120_000); // past every deadline of waitFor(): a test that hangs names what it waited for
  const context = {
    server: undefined as unknown as RedisServer,
    /** A plain client, to read and write the store's keys as a person or another program would. */
    raw: undefined as unknown as Redis,
    prefix: '',
    replicas: [] as Replica[],
    /** What every logger said during the test, replicas' start-up included. */
    logs: undefined as unknown as Logs,

    /** One more replica on the same keys (`replicaOptions` over the suite's), closed after the test. */
    async add(replicaOptions?: ReplicaOptions): Promise<Replica> {
      const merged = { ...options, ...replicaOptions };
      const replica = await Replica.onRedis(context.server.port, context.prefix, merged);
      context.replicas.push(replica);
      return replica;
    },

    key(what: string, circuit = 'payments'): string {
      return `${context.prefix}:{${circuit}}:${what}`;
    },

    get channel(): string {
      return `${context.prefix}:changes`;
    },

    /** The record Redis holds for `circuit`, parsed, or null. */
    async stored(circuit = 'payments'): Promise<Record<string, unknown> | null> {
      const text = await context.raw.get(context.key('state', circuit));
      return text === null ? null : (JSON.parse(text) as Record<string, unknown>);
    },

    /**
     * Resolves once no replica's store is in an outage: each one it reported has ended. (On a
     * busy machine, a command may go unanswered within its timeout at any time: an outage too.)
     */
    async allUp(): Promise<void> {
      const { logs } = context;
      await waitFor(
        () =>
          context.replicas.every(
            ({ loggers: { store } }) =>
              logs.outages(store).length === logs.recoveries(store).length,
          ),
        'every store to be up',
      );
    },

    /**
     * Resolves once what every replica saved so far has been through Redis and reached every
     * replica: each replica's commands are flushed (a PING answered after them), then a marker
     * record, published after all of them, has reached every replica. Redis delivers a channel's
     * messages in the order they were published.
     */
    async settle(): Promise<void> {
      await Promise.all(context.replicas.map((replica) => replica.redis!.ping()));
      const markers = context.replicas.map((replica) => replica.registry.getOrCreate('marker'));
      const open = markers[0]!.state === CircuitState.Closed;
      const record = {
        circuit: 'marker',
        state: open ? 'open' : 'closed',
        openUntil: open ? Date.now() + 30_000 : 0,
        manual: false,
        version: (lastMarker = Math.max(Date.now(), lastMarker + 1)),
      };
      await context.raw.publish(context.channel, JSON.stringify(record));
      const expected = open ? CircuitState.Open : CircuitState.Closed;
      await waitFor(
        () => markers.every((marker) => marker.state === expected),
        'the marker record to reach every replica',
      );
    },
  };
  let lastMarker = 0;

  beforeAll(async () => {
    context.server = await RedisServer.start();
    context.raw = new Redis({ port: context.server.port, host: '127.0.0.1' });
    context.raw.on('error', () => {});
  });
  afterAll(async () => {
    context.raw?.disconnect();
    await context.server?.kill();
  });
  beforeEach(async () => {
    context.prefix = `t${++tests}`;
    context.replicas = [];
    context.logs = new Logs();
    for (let i = 0; i < count; i++) await context.add();
  });
  afterEach(async () => {
    // What a failed test may have left: Redis paused, or killed.
    context.server.resume();
    if (!context.server.running) await context.server.restart();
    await Promise.all(context.replicas.map((replica) => replica.close()));
    context.logs.restore();
  });
  return context;
}
