import { Controller, Get } from '@nestjs/common';
import { HealthCheck, HealthCheckService } from '@nestjs/terminus';
import { CircuitBreakerHealthIndicator } from 'nestjs-circuit-breaker';

/**
 * Liveness never looks at circuits: a pod whose dependency is down is not broken, and
 * restarting it would not bring the dependency back. Readiness does: while a circuit is open
 * the pod leaves the load balancer.
 */
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly circuits: CircuitBreakerHealthIndicator,
  ) {}

  @Get('live')
  @HealthCheck()
  live() {
    return this.health.check([]);
  }

  @Get('ready')
  @HealthCheck()
  ready() {
    return this.health.check([() => this.circuits.isHealthy('circuits')]);
  }
}
