import { Controller, Get } from '@nestjs/common';
import { HealthCheck, HealthCheckService } from '@nestjs/terminus';
import { CircuitBreakerHealthIndicator } from 'nestjs-circuit-breaker';

/**
 * Liveness never looks at circuits: a pod whose dependency is down is not broken, and
 * restarting it would not bring the dependency back. Readiness does: while a circuit of the app's
 * own (the `orders` route) is open the pod leaves the load balancer. The inventory's origin
 * circuit is reported, not counted: every pod shares that dependency, so counting it would take
 * them all out together (see docs/health.md).
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
