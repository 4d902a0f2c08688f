import { jest } from '@jest/globals';
import { Cluster } from 'ioredis';
import { CircuitOpenError, CircuitState, RedisCircuitStore } from '../../lib/index.js';
import { Logs } from './support/logs.js';
import { RedisCluster } from './support/redis-cluster.js';
import {
  ANY_REPLICA_OPENS,
  Concurrency,
  Replica,
  sameOpening,
  trip,
  tripNow,
  type ReplicaOptions,
} from './support/replica.js';
import { settledAtOnce, waitFor } from './support/wait-for.js';

const { Closed, ForcedOpen, HalfOpen } = CircuitState;

jest.setTimeout(120_000); // past every deadline of waitFor(): a test that hangs names what it waited for

describe('RedisCircuitStore on a real three-master Redis Cluster (ioredis Cluster)', () => {
  let cluster: RedisCluster;
  let replicas: Replica[] = [];
  let tests = 0;

  beforeAll(async () => {
    cluster = await RedisCluster.start();
  });
  afterAll(async () => {
    await cluster?.stop(); // kills every node and removes their dir, whatever the tests did
  });
  afterEach(async () => {
    await Promise.all(replicas.map((replica) => replica.close()));
    replicas = [];
  });

  /**
   * Three replicas on the cluster, with keys of this test's own. Unless `fleet` says otherwise,
   * any one replica's trip opens the circuit for all: most tests here start from one tripping.
   */
  async function start(options?: ReplicaOptions): Promise<[Replica, Replica, Replica]> {
    const prefix = `cluster${++tests}`;
    const withFleet = { fleet: ANY_REPLICA_OPENS, ...options };
    for (let i = 0; i < 3; i++)
      replicas.push(await Replica.onCluster(cluster.ports, prefix, withFleet));
    return replicas as [Replica, Replica, Replica];
  }

  const everywhere = (state: CircuitState) =>
    waitFor(() => replicas.every((r) => r.circuit.state === state), `${state} everywhere`);

  it('a SUBSCRIBE answered late at start-up (a cluster still discovering its slots) is no outage', async () => {
    const logs = new Logs();
    try {
      const [a, b] = await start();
      // A fourth replica whose pub/sub connection answers its first SUBSCRIBE 300 ms late
      // (3 × commandTimeoutMs), as a Cluster subscriber still finding its node does.
      const client = new Cluster(
        cluster.ports.map((port) => ({ host: '127.0.0.1', port })),
        { enableOfflineQueue: false, redisOptions: { maxRetriesPerRequest: 1 } },
      );
      client.on('error', () => {});
      const duplicate = client.duplicate.bind(client);
      client.duplicate = ((...args: Parameters<Cluster['duplicate']>) => {
        const subscriber = duplicate(...args);
        const subscribe = subscriber.subscribe.bind(subscriber) as (c: string) => Promise<unknown>;
        let first = true;
        subscriber.subscribe = ((channel: string) => {
          if (!first) return subscribe(channel);
          first = false;
          return new Promise((resolve) => setTimeout(resolve, 300)).then(() => subscribe(channel));
        }) as Cluster['subscribe'];
        return subscriber;
      }) as Cluster['duplicate'];
      const late = await Replica.start(
        new RedisCircuitStore(client, { prefix: `cluster${tests}`, fleet: ANY_REPLICA_OPENS }),
        undefined,
        client,
      );
      replicas.push(late);
      await waitFor(() => late.redis!.status === 'ready', 'the late replica to connect');
      await trip(a);
      await waitFor(
        () => sameOpening(b, a) && sameOpening(late, a),
        "a's opening to reach b and the late replica",
      );
      expect(logs.outages(undefined)).toEqual([]);
      expect(logs.recoveries(undefined)).toEqual([]);
    } finally {
      logs.restore();
    }
  });

  it('fleet decisions by default: one replica tripping opens itself; a second opens all', async () => {
    const [a, b, c] = await start({ fleet: undefined });
    await trip(a);
    let voters = 0;
    await waitFor(
      () => voters === 1,
      "a's vote",
      undefined,
      async () => void (voters = await a.redis!.zcard(`cluster${tests}:{payments}:fleet:voters`)),
    );
    expect(await a.redis!.get(`cluster${tests}:{payments}:state`)).toBeNull();
    await expect(c.client.charge()).resolves.toBe('charged');
    expect(b.circuit.state).toBe(Closed);
    await trip(b); // two of three: the quorum (max(2, ceil(0.5 × 3)))
    await waitFor(() => c.circuit.state === CircuitState.Open, 'c to take the fleet open');
    await expect(c.client.charge()).rejects.toBeInstanceOf(CircuitOpenError);
  });

  it('shares the open state: the others reject without calling', async () => {
    const [a, b, c] = await start();
    await trip(a);
    await waitFor(() => sameOpening(b, a) && sameOpening(c, a), 'b and c to open');
    for (const replica of [b, c]) {
      await expect(replica.client.charge()).rejects.toBeInstanceOf(CircuitOpenError);
      expect(replica.client.calls).toBe(0);
    }
  });

  it('forced states hold against a replica tripping in the same tick, and end with release()', async () => {
    const [a, b, c] = await start();
    for (let round = 0; round < 5; round++) {
      a.registry.forceOpen('payments');
      tripNow(b.circuit);
      await everywhere(ForcedOpen);
      await expect(b.client.charge()).rejects.toBeInstanceOf(CircuitOpenError);
      c.registry.release('payments');
      await everywhere(Closed);
    }
  });

  it("refuses a record published an hour ahead of Redis's clock: later changes still reach every replica", async () => {
    const logs = new Logs();
    try {
      const [a, b, c] = await start();
      const [seconds] = await a.redis!.time();
      const ahead = {
        circuit: 'payments',
        state: 'open',
        openUntil: Date.now() + 30_000,
        manual: false,
        version: Number(seconds) * 1000 + 60 * 60 * 1000,
      };
      await a.redis!.publish(`cluster${tests}:changes`, JSON.stringify(ahead));
      // Heard by b and c: taken (the old way) or refused with a warning.
      const heard = (r: Replica) =>
        r.circuit.state !== Closed || logs.ignored(r.loggers.store).length > 0;
      await waitFor(() => heard(b) && heard(c), 'b and c to hear the record');
      a.registry.forceOpen('payments');
      await everywhere(ForcedOpen);
      b.registry.release('payments');
      await everywhere(Closed);
    } finally {
      logs.restore();
    }
  });

  it('shares the probe permits: one probe at a time across three replicas', async () => {
    const [a, ...others] = await start({
      circuits: { payments: { resetTimeoutMs: 200 } },
      // A permit asked for must be answered by Redis, not given up after 100 ms (which, on a
      // busy machine, would let the replica probe on its own permits: one probe too many).
      commandTimeoutMs: 10_000,
    });
    await trip(a);
    await waitFor(() => others.every((r) => sameOpening(r, a)), 'every replica to open');
    let release = () => {};
    const gate = new Promise<void>((resolve) => (release = resolve));
    const concurrency = new Concurrency();
    for (const replica of replicas) {
      replica.client.failing = false;
      replica.client.gate = gate;
      replica.client.concurrency = concurrency;
    }
    await waitFor(() => replicas.every((r) => r.circuit.state === HalfOpen), 'half-open');
    const outcomes: Array<Promise<unknown>> = [];
    const wave = async () => {
      for (const replica of replicas) outcomes.push(replica.client.charge().catch((e) => e));
    };
    await waitFor(() => concurrency.now === 1, 'a probe to start', undefined, wave);
    const started = performance.now();
    await waitFor(() => performance.now() - started > 1_000, 'half-open traffic', undefined, wave);
    expect(concurrency.max).toBe(1);
    release();
    const results = await Promise.all(outcomes);
    // Each call probed, was refused, or (waiting for a permit when the probe closed the
    // circuit) ran as an ordinary call.
    expect(results.filter((r) => r === 'charged').length).toBeGreaterThanOrEqual(1);
    expect(results.every((r) => r === 'charged' || r instanceof CircuitOpenError)).toBe(true);
    await everywhere(Closed);
  });

  it('a master killed mid-traffic costs no call; what happened meanwhile is shared once it is back', async () => {
    const logs = new Logs(); // from the replicas' start
    const outages = (replica: Replica) => logs.outages(replica.loggers.store).length;
    const allUp = () =>
      waitFor(
        () => replicas.every((r) => outages(r) === logs.recoveries(r.loggers.store).length),
        'every store to be up',
      );
    let traffic = true;
    let flow: Promise<void> | undefined;
    try {
      const [a, b, c] = await start();
      const master = await cluster.masterOf(`cluster${tests}:{payments}:state`);
      let answered = 0;
      const unexpected: unknown[] = [];
      flow = (async () => {
        while (traffic) {
          for (const replica of [b, c]) {
            // Answered by the dependency or by the circuit, at once: never failed or held by Redis.
            const answer = await settledAtOnce(replica.client.charge());
            const byCircuit = answer.settled && answer.error instanceof CircuitOpenError;
            if ((answer.settled && answer.value === 'charged') || byCircuit) answered++;
            else unexpected.push(answer);
          }
          await new Promise((resolve) => setTimeout(resolve, 1));
        }
      })();
      await waitFor(() => answered >= 20, 'traffic before the outage');
      await allUp();
      const before = replicas.map(outages);
      await cluster.killNode(master); // the master of the circuit's keys
      await trip(a); // during the outage: only a knows
      const during = answered;
      await waitFor(() => answered >= during + 20, 'traffic during the outage');
      await waitFor(() => outages(a) > before[0]!, "a's store to notice the outage");
      // Logged once per store, however many commands fail and recoveries are tried meanwhile.
      const pings = jest.spyOn(a.redis!, 'time');
      await waitFor(() => pings.mock.calls.length >= 2, "a's store to try twice to recover");
      pings.mockRestore();
      expect(outages(a)).toBe(before[0]! + 1);
      replicas.forEach((r, i) => expect(outages(r)).toBeLessThanOrEqual(before[i]! + 1));

      await cluster.restartNode(master);
      // a's open state, set while its master was gone, reaches b and c once it is back.
      await waitFor(() => sameOpening(b, a) && sameOpening(c, a), "a's opening to reach b and c");
      await allUp();
      traffic = false;
      await flow;
      expect(unexpected).toEqual([]);
    } finally {
      traffic = false;
      await flow;
      logs.restore();
    }
  });
});
