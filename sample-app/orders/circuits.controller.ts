import { Controller, Get } from '@nestjs/common';
import { CircuitBreakerRegistry, type CircuitStats } from 'nestjs-circuit-breaker';

/** The registry, injected like any provider: every circuit's numbers as JSON. */
@Controller('circuits')
export class CircuitsController {
  constructor(private readonly registry: CircuitBreakerRegistry) {}

  @Get()
  all(): CircuitStats[] {
    return this.registry.stats();
  }
}
