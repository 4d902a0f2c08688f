import { Controller, Get } from '@nestjs/common';
import { HealthCheck, HealthCheckService } from '@nestjs/terminus';
import { CircuitBreakerHealthIndicator } from 'nestjs-circuit-breaker';

// As the library's README writes it.
@Controller('health')
export class HealthController {
  constructor(
    private health: HealthCheckService,
    private circuits: CircuitBreakerHealthIndicator,
  ) {}

  @Get('ready')
  @HealthCheck()
  ready() {
    return this.health.check([() => this.circuits.isHealthy('circuits')]);
  }
}
