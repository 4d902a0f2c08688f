// health.controller.ts, as the library's README writes it.
import { Controller, Get } from '@nestjs/common';
import { HealthCheck, HealthCheckService } from '@nestjs/terminus';
import { CircuitBreakerHealthIndicator } from 'nestjs-circuit-breaker';

@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly circuits: CircuitBreakerHealthIndicator,
  ) {}

  @Get('live')
  @HealthCheck()
  live() {
    return this.health.check([]); // never looks at circuits
  }

  @Get('ready')
  @HealthCheck()
  ready() {
    return this.health.check([() => this.circuits.isHealthy('circuits')]);
  }
}
