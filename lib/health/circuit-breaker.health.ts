import { Injectable } from '@nestjs/common';
import type { HealthIndicatorService } from '@nestjs/terminus';
import { CircuitState } from '../engine/circuit-state.js';
import { CircuitBreakerRegistry } from '../core/circuit-breaker.registry.js';

/** How a health check reports a half-open circuit. */
export type HalfOpenHealth = 'up' | 'degraded' | 'down';

export interface CircuitHealthOptions {
  /** The circuits to check; every circuit of the registry by default. Unknown names are skipped. */
  circuits?: string[];
  /** Default `degraded`: a half-open circuit is finding out whether its dependency is back. */
  halfOpen?: HalfOpenHealth;
}

/** What `isHealthy` reports under its key: Terminus's indicator result. */
export type CircuitHealthResult<Key extends string> = Record<
  Key,
  {
    status: 'up' | 'down' | 'degraded';
    /** The circuits that reject calls: open or forced open. */
    open: string[];
    circuits: Record<string, { state: CircuitState; retryAfterMs: number }>;
  }
>;

/**
 * A `@nestjs/terminus` health indicator over the registry's circuits: down while any selected
 * circuit is open or forced open, degraded (by default) while one is half-open. Meant for a
 * readiness probe: a pod whose dependency is down should leave the load balancer, not be
 * restarted. `@nestjs/terminus` is loaded only when this is first used.
 *
 * @example
 * \@Get('health/ready') \@HealthCheck()
 * ready() { return this.health.check([() => this.circuits.isHealthy('circuits')]); }
 */
@Injectable()
export class CircuitBreakerHealthIndicator {
  private indicators: Promise<HealthIndicatorService> | undefined;

  constructor(private readonly registry: CircuitBreakerRegistry) {}

  async isHealthy<const Key extends string = 'circuit_breakers'>(
    key: Key = 'circuit_breakers' as Key,
    { circuits, halfOpen = 'degraded' }: CircuitHealthOptions = {},
  ): Promise<CircuitHealthResult<Key>> {
    const selected =
      circuits === undefined
        ? this.registry.all()
        : circuits.flatMap((name) => this.registry.get(name) ?? []);
    const entries: Array<[string, { state: CircuitState; retryAfterMs: number }]> = [];
    const open: string[] = [];
    let status: HalfOpenHealth = 'up';
    for (const circuit of selected) {
      const { state, retryAfterMs } = circuit.stats();
      entries.push([circuit.name, { state, retryAfterMs }]);
      if (state === CircuitState.Open || state === CircuitState.ForcedOpen) open.push(circuit.name);
      else if (state === CircuitState.HalfOpen && halfOpen !== 'up' && status !== 'down')
        status = halfOpen;
    }
    if (open.length > 0) status = 'down';
    const session = (await this.healthIndicators()).check(key);
    // Own properties whatever the names: `details.__proto__ = …` would set a prototype instead.
    const data = { open, circuits: Object.fromEntries(entries) };
    const result =
      status === 'down'
        ? session.down(data)
        : status === 'degraded'
          ? session.degraded(data)
          : session.up(data);
    return result as CircuitHealthResult<Key>;
  }

  private healthIndicators(): Promise<HealthIndicatorService> {
    this.indicators ??= import('@nestjs/terminus').then(
      ({ HealthIndicatorService }) => new HealthIndicatorService(),
      (error: unknown) => {
        this.indicators = undefined;
        throw new Error(
          'CircuitBreakerHealthIndicator needs @nestjs/terminus: npm install @nestjs/terminus',
          {
            cause: error,
          },
        );
      },
    );
    return this.indicators;
  }
}
