// An app's use of the package's types, as an ES module (the `import` condition's .d.ts).
import { Injectable, Module, type CanActivate, type ExecutionContext } from '@nestjs/common';
import {
  CircuitBreaker,
  CircuitBreakerHealthIndicator,
  CircuitBreakerModule,
  CircuitBreakerRegistry,
  CircuitOpenError as CircuitOpenErrorFromMain,
  CircuitSignal,
  InMemoryCircuitStore,
  RedisCircuitStore,
  type CircuitBreakerAdminOptions,
  type CircuitBreakerMetricsOptions,
  type CircuitBreakerModuleOptions,
  type CircuitStore,
  type PrometheusRegistry,
  type RedisCircuitStoreOptions,
} from 'nestjs-circuit-breaker';
import {
  Circuit,
  CircuitOpenError,
  CircuitState,
  isCircuitOpenError,
  type CircuitOptions,
  type CircuitStateChange,
  type CircuitStats,
} from 'nestjs-circuit-breaker/engine';

interface Receipt {
  orderId: string;
  status: 'charged' | 'queued';
}

@Injectable()
export class PaymentsClient {
  @CircuitBreaker({ name: 'payments', timeoutMs: 2_000, fallback: 'queued' })
  async charge(orderId: string, @CircuitSignal() signal?: AbortSignal): Promise<Receipt> {
    signal?.throwIfAborted();
    return { orderId, status: 'charged' };
  }

  queued(_error: unknown, orderId: string): Receipt {
    return { orderId, status: 'queued' };
  }
}

class AdminGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    return context.getType() === 'http';
  }
}

// A registry of the app's own, described by the members the metrics use (no prom-client here).
declare const prometheusRegistry: PrometheusRegistry;
const metrics: CircuitBreakerMetricsOptions = {
  registry: prometheusRegistry,
  prefix: 'orders_',
  maxCircuits: 100,
  buckets: [0.01, 0.1, 1],
};
const defaults: CircuitOptions = { failureThreshold: 5, resetTimeoutMs: 30_000 };
const options: CircuitBreakerModuleOptions = {
  defaults,
  circuits: { payments: { timeoutMs: 1_500 } },
  metrics,
  store: new InMemoryCircuitStore(),
};
const admin: CircuitBreakerAdminOptions = { guards: [AdminGuard], path: 'circuits' };

@Module({
  imports: [CircuitBreakerModule.forRoot({ ...options, admin })],
  providers: [PaymentsClient],
})
export class AppModule {}

// RedisCircuitStore's type: the store an app builds from its own ioredis client.
export type RedisClient = ConstructorParameters<typeof RedisCircuitStore>[0];
export function redisStore(
  client: RedisClient,
  storeOptions: RedisCircuitStoreOptions,
): CircuitStore {
  return new RedisCircuitStore(client, storeOptions);
}

export async function readiness(indicator: CircuitBreakerHealthIndicator): Promise<string> {
  const result = await indicator.isHealthy('circuits', { halfOpen: 'up' });
  return `${result.circuits.status}: ${result.circuits.open.join(', ')}`;
}

export function openNames(registry: CircuitBreakerRegistry): string[] {
  registry.events$.subscribe((change: CircuitStateChange) => void change.to);
  return registry.openCircuits();
}

export async function engineAlone(): Promise<number> {
  const circuit = new Circuit('search', { failureThreshold: 1 });
  const stats: CircuitStats = circuit.stats();
  const state: CircuitState = stats.state;
  try {
    return await circuit.execute(async (signal?: AbortSignal) => (signal?.aborted ? 0 : 1));
  } catch (error) {
    if (isCircuitOpenError(error)) return error.retryAfterMs;
    if (error instanceof CircuitOpenErrorFromMain) return error.retryAfterMs;
    throw error instanceof CircuitOpenError ? error : new Error(state);
  }
}
