import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Redis } from 'ioredis';
import {
  CircuitBreakerModule,
  CircuitBreakerRegistry,
  CircuitState,
  RedisCircuitStore,
  type Circuit,
  type FleetOptions,
} from 'nestjs-circuit-breaker';
import { printTable } from './measure.js';
import { RedisServer } from './redis-server.js';

/**
 * Fleet decisions of the Redis store (issue #19), on a real redis-server, with default settings
 * (`failureThreshold` 5, fleet quorum of half the active replicas, reports every 250 ms):
 * - a real outage: how long from the dependency failing until every replica is open, at 10 and
 *   100 replicas (Nest application contexts, each with its own Redis client); a tenth of them
 *   make no calls and open only when the fleet does;
 * - the commands one replica sends Redis per second for one circuit at 1,000 calls/s.
 * `npm run build && node dist/bench/fleet.js`.
 */

/** How often each busy replica calls the dependency. */
const CALL_EVERY_MS = 10;

interface Replica {
  readonly app: Awaited<ReturnType<typeof NestFactory.createApplicationContext>>;
  readonly redis: Redis;
  readonly circuit: Circuit;
  /** Commands its client sent Redis (its pub/sub connection aside). */
  commands: number;
}

async function startReplica(port: number, prefix: string, fleet?: FleetOptions): Promise<Replica> {
  const redis = new Redis({ port, host: '127.0.0.1', enableOfflineQueue: false });
  @Module({
    imports: [
      CircuitBreakerModule.forRoot({
        store: new RedisCircuitStore(redis, { prefix, fleet }),
        circuits: { payments: { failureThreshold: 5, resetTimeoutMs: 30_000 } },
      }),
    ],
  })
  class ReplicaModule {}
  const app = await NestFactory.createApplicationContext(ReplicaModule, { logger: false });
  await app.init();
  const replica: Replica = {
    app,
    redis,
    circuit: app.get(CircuitBreakerRegistry).get('payments')!,
    commands: 0,
  };
  const send = redis.sendCommand.bind(redis);
  redis.sendCommand = ((...args: Parameters<typeof send>) => {
    replica.commands++;
    return send(...args);
  }) as typeof send;
  return replica;
}

async function closeAll(replicas: Replica[]): Promise<void> {
  for (const { app, redis } of replicas) {
    await app.close();
    redis.disconnect();
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A real outage at `count` replicas: ms until every replica is open, and more. */
async function outage(port: number, count: number): Promise<string[]> {
  const replicas: Replica[] = [];
  for (let i = 0; i < count; i++) replicas.push(await startReplica(port, `outage${count}`));
  const idle = Math.max(1, Math.round(count / 10));
  const busy = replicas.slice(idle);
  let failing = false;
  const call = () => (failing ? Promise.reject(new Error('down')) : Promise.resolve('ok'));
  const timers = busy.map(({ circuit }) =>
    setInterval(() => void circuit.execute(call).catch(() => {}), CALL_EVERY_MS),
  );
  // Healthy traffic first: every busy replica reports, Redis knows who is active.
  await sleep(1_000);
  const openAt = new Map<Circuit, number>();
  for (const { circuit } of replicas) {
    circuit.subscribe(({ to }) => {
      if (to === CircuitState.Open && !openAt.has(circuit)) openAt.set(circuit, performance.now());
    });
  }
  const start = performance.now();
  failing = true;
  const deadline = start + 10_000;
  while (openAt.size < count && performance.now() < deadline) await sleep(1);
  for (const timer of timers) clearInterval(timer);
  const times = [...openAt.values()].map((at) => at - start).sort((a, b) => a - b);
  const idleTimes = replicas.slice(0, idle).map(({ circuit }) => openAt.get(circuit));
  await closeAll(replicas);
  const ms = (n: number | undefined) => (n === undefined ? 'never' : `${Math.round(n)} ms`);
  return [
    String(count),
    openAt.size === count ? ms(times.at(-1)) : `${openAt.size} of ${count} in 10 s`,
    ms(times[Math.floor(times.length / 2)]),
    ms(Math.max(...idleTimes.map((t) => (t === undefined ? Infinity : t - start)))),
  ];
}

/** Commands per second one replica sends for one circuit at about 1,000 calls/s, for `seconds`. */
async function commandsPerSecond(port: number, decide: 'quorum' | 'rate'): Promise<string[]> {
  const replica = await startReplica(port, `rate-${decide}`, { decide });
  const seconds = 5;
  let calls = 0;
  replica.commands = 0;
  const start = performance.now();
  // 10 calls every 10 ms: about 1,000 a second.
  const timer = setInterval(() => {
    for (let i = 0; i < 10; i++) {
      calls++;
      void replica.circuit.execute(() => 'ok');
    }
  }, 10);
  await sleep(seconds * 1_000);
  clearInterval(timer);
  const elapsed = (performance.now() - start) / 1_000;
  const commands = replica.commands;
  await closeAll([replica]);
  return [decide, String(Math.round(calls / elapsed)), (commands / elapsed).toFixed(1)];
}

async function main(): Promise<void> {
  const server = await RedisServer.start();
  try {
    const outages = [];
    for (const count of [10, 100]) outages.push(await outage(server.port, count));
    console.log(
      '\nA real outage: from the first failing call to every replica open (a tenth idle)\n',
    );
    printTable(['replicas', 'all open', 'median replica open', 'idle ones open'], outages);
    console.log('\nRedis commands one replica sends for one circuit at ~1,000 calls/s\n');
    printTable(
      ['fleet.decide', 'calls/s', 'commands/s'],
      [
        await commandsPerSecond(server.port, 'quorum'),
        await commandsPerSecond(server.port, 'rate'),
      ],
    );
  } finally {
    await server.kill();
  }
}

await main();
