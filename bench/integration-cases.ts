import 'reflect-metadata';
import { Injectable } from '@nestjs/common';
import { execFileSync } from 'node:child_process';
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import { CircuitBreaker, CircuitBreakerModule, RedisCircuitStore } from 'nestjs-circuit-breaker';
import { serviceIn } from './decorator-cases.js';
import { loopCase, type CaseGroup } from './measure.js';
import { RedisServer } from './redis-server.js';

@Injectable()
class PaymentsService {
  @CircuitBreaker('payments')
  async charge(): Promise<number> {
    return 1;
  }
}

/**
 * A decorated method with Prometheus metrics, with OpenTelemetry metrics, with notifications,
 * and with the Redis store, against the same with none of them (in-memory state): metrics cost
 * a little; notifications only listen to state changes, so the closed path pays nothing for
 * them; the closed path never waits on Redis. The Redis case is left out when `redis-server`
 * is not installed.
 */
export async function integrationBench(): Promise<CaseGroup & { close: () => Promise<void> }> {
  const inMemory = await serviceIn(PaymentsService, CircuitBreakerModule.forRoot());
  const measured = await serviceIn(
    PaymentsService,
    CircuitBreakerModule.forRoot({ metrics: { registry: new Registry() } }),
  );
  // The SDK as an app sets it up: a periodic reader (every minute, its default). Without any
  // reader the SDK keeps no storage and record() costs next to nothing, which would hide the cost.
  const meterProvider = new MeterProvider({
    readers: [
      new PeriodicExportingMetricReader({
        exporter: new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE),
        exportIntervalMillis: 60_000,
      }),
    ],
  });
  const openTelemetry = await serviceIn(
    PaymentsService,
    CircuitBreakerModule.forRoot({ openTelemetry: { meter: meterProvider.getMeter('bench') } }),
  );
  // Nothing listens there: the circuit stays closed, no message is ever sent.
  const notifying = await serviceIn(
    PaymentsService,
    CircuitBreakerModule.forRoot({
      notifications: { webhooks: [{ url: 'http://127.0.0.1:9/circuit-events' }] },
    }),
  );
  const group: CaseGroup & { close: () => Promise<void> } = {
    cases: [
      loopCase('@CircuitBreaker(), in-memory state', () => inMemory.service.charge()),
      loopCase('@CircuitBreaker(), Prometheus metrics', () => measured.service.charge()),
      loopCase('@CircuitBreaker(), OpenTelemetry metrics', () => openTelemetry.service.charge()),
      loopCase('@CircuitBreaker(), notifications on', () => notifying.service.charge()),
    ],
    comparisons: [
      // Prometheus: one timing per call serves latency, rules and exporters, sampled when busy.
      {
        ours: '@CircuitBreaker(), Prometheus metrics',
        peer: '@CircuitBreaker(), in-memory state',
        target: 1.4,
      },
      // No target: the OpenTelemetry SDK's own record() is most of its cost.
      {
        ours: '@CircuitBreaker(), OpenTelemetry metrics',
        peer: '@CircuitBreaker(), in-memory state',
      },
      {
        ours: '@CircuitBreaker(), notifications on',
        peer: '@CircuitBreaker(), in-memory state',
        target: 1.1,
      },
    ],
    close: async () => {
      await inMemory.app.close();
      await measured.app.close();
      await openTelemetry.app.close();
      await meterProvider.shutdown();
      await notifying.app.close();
    },
  };
  try {
    execFileSync('redis-server', ['--version']);
  } catch {
    console.log('(no redis-server on this machine: the Redis store case is skipped)');
    return group;
  }
  const server = await RedisServer.start();
  const redis = new Redis({ port: server.port, host: '127.0.0.1', enableOfflineQueue: false });
  const shared = await serviceIn(
    PaymentsService,
    CircuitBreakerModule.forRoot({ store: new RedisCircuitStore(redis, { prefix: 'bench' }) }),
  );
  group.cases.push(loopCase('@CircuitBreaker(), Redis store', () => shared.service.charge()));
  group.comparisons.push({
    ours: '@CircuitBreaker(), Redis store',
    peer: '@CircuitBreaker(), in-memory state',
    target: 1.1, // issue #19: fleet reports read counters off the circuit, never on a call's path
  });
  const closeOthers = group.close;
  group.close = async () => {
    await shared.app.close();
    await closeOthers();
    redis.disconnect();
    await server.kill();
  };
  return group;
}
