import { Injectable } from '@nestjs/common';
import type { HealthIndicatorService } from '@nestjs/terminus';
import { CircuitBreakerRegistry } from '../core/circuit-breaker.registry.js';
import { CircuitState } from '../engine/circuit-state.js';

/** How a health check reports a half-open circuit. */
export type HalfOpenHealth = 'up' | 'degraded' | 'down';

export interface CircuitHealthOptions {
  /** The circuits to check; every circuit of the registry by default. Unknown names are skipped. */
  circuits?: string[];
  /**
   * Default `degraded`: a half-open circuit is finding out whether its dependency is back. On
   * Terminus 11, which has no `degraded`, a half-open circuit is `up`, its state in the details.
   */
  halfOpen?: HalfOpenHealth;
  /**
   * Which of the checked circuits decide the status; the others are reported in the details
   * (`counted: false`) and change nothing. `'all'`; names and name prefixes
   * (`{ prefixes: ['outbound:'] }`); or a predicate on the name. Default: every circuit but the
   * outbound ones (`outbound:<origin>`): one dependency down should make the calls to it fail
   * fast, not take every pod out of the load balancer, which would turn a partial outage into a
   * total one.
   */
  counted?: 'all' | { names?: readonly string[]; prefixes?: readonly string[] } | CircuitPredicate;
}

/** Whether the circuit named `name` counts. */
export type CircuitPredicate = (name: string) => boolean;

/** The prefix of the outbound origin circuits' names (see the `outbound` module option). */
const OUTBOUND_PREFIX = 'outbound:';
const NOT_OUTBOUND: CircuitPredicate = (name) => !name.startsWith(OUTBOUND_PREFIX);

function countedBy(counted: CircuitHealthOptions['counted']): CircuitPredicate {
  if (counted === undefined) return NOT_OUTBOUND;
  if (counted === 'all') return () => true;
  if (typeof counted === 'function') return counted;
  const names = new Set(counted.names ?? []);
  const prefixes = counted.prefixes ?? [];
  return (name) => names.has(name) || prefixes.some((prefix) => name.startsWith(prefix));
}

/**
 * Each selected circuit, as the health check's details show it: never an error message.
 * `counted: false` marks one that does not decide the status (see `counted`).
 */
export type CircuitHealthDetails = Record<
  string,
  { state: CircuitState; retryAfterMs: number; counted?: false }
>;

/**
 * What `isHealthy` reports under its key: Terminus's indicator result. `Status` is the status
 * type of the Terminus installed (`'up' | 'down'` on 11, with `'degraded'` on 12), inferred where
 * the result goes to `HealthCheckService.check()`, so that it fits either.
 */
export type CircuitHealthResult<
  Key extends string,
  Status extends string = 'up' | 'down' | 'degraded',
> = Record<
  Key,
  {
    status: Status;
    /** The counted circuits that reject calls: open or forced open. */
    open: string[];
    circuits: CircuitHealthDetails;
  }
>;

/** Terminus's `HealthIndicatorService.check(key)` session; `degraded` exists from Terminus 12. */
type HealthIndicatorSession = ReturnType<HealthIndicatorService['check']> & {
  degraded?: (data: object) => unknown;
};

/**
 * A `@nestjs/terminus` health indicator over the registry's circuits: down while any selected
 * circuit is open or forced open, degraded (by default) while one is half-open. Meant for a
 * readiness probe: a pod whose dependency is down should leave the load balancer, not be
 * restarted. `@nestjs/terminus` (11 or 12) is loaded only when this is first used.
 *
 * @example
 * \@Get('health/ready') \@HealthCheck()
 * ready() { return this.health.check([() => this.circuits.isHealthy('circuits')]); }
 */
@Injectable()
export class CircuitBreakerHealthIndicator {
  private indicators: Promise<HealthIndicatorService> | undefined;

  constructor(private readonly registry: CircuitBreakerRegistry) {}

  async isHealthy<
    const Key extends string = 'circuit_breakers',
    Status extends string = 'up' | 'down' | 'degraded',
  >(
    key: Key = 'circuit_breakers' as Key,
    { circuits, halfOpen = 'degraded', counted }: CircuitHealthOptions = {},
  ): Promise<CircuitHealthResult<Key, Status>> {
    const selected =
      circuits === undefined
        ? this.registry.all()
        : circuits.flatMap((name) => this.registry.get(name) ?? []);
    const entries: Array<[string, CircuitHealthDetails[string]]> = [];
    const open: string[] = [];
    let anyHalfOpen = false;
    const counts = countedBy(counted);
    for (const circuit of selected) {
      const { state, retryAfterMs } = circuit.stats();
      if (!counts(circuit.name)) {
        entries.push([circuit.name, { state, retryAfterMs, counted: false }]);
        continue;
      }
      entries.push([circuit.name, { state, retryAfterMs }]);
      if (state === CircuitState.Open || state === CircuitState.ForcedOpen) open.push(circuit.name);
      else if (state === CircuitState.HalfOpen) anyHalfOpen = true;
    }
    // An open circuit outweighs a half-open one, which counts as `halfOpen` says.
    const status: HalfOpenHealth = open.length > 0 ? 'down' : anyHalfOpen ? halfOpen : 'up';
    const session = (await this.healthIndicators()).check(key) as HealthIndicatorSession;
    // Own properties whatever the names: `details.__proto__ = …` would set a prototype instead.
    const data = { open, circuits: Object.fromEntries(entries) };
    const result =
      status === 'down'
        ? session.down(data)
        : status === 'degraded' && session.degraded !== undefined
          ? session.degraded(data)
          : session.up(data); // Terminus 11 knows no degraded: up, the state in the details
    return result as CircuitHealthResult<Key, Status>;
  }

  private healthIndicators(): Promise<HealthIndicatorService> {
    this.indicators ??= import('@nestjs/terminus').then(
      ({ HealthIndicatorService }) => new HealthIndicatorService(),
      (error: unknown) => {
        this.indicators = undefined;
        throw new Error(
          'CircuitBreakerHealthIndicator needs @nestjs/terminus: npm install @nestjs/terminus',
          { cause: error },
        );
      },
    );
    return this.indicators;
  }
}
