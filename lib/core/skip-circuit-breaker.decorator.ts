import { SetMetadata } from '@nestjs/common';
import { CIRCUIT_BREAKER_SKIP_METADATA } from './circuit-breaker.constants.js';

/**
 * Keeps `CircuitBreakerInterceptor` off a route, or off every route of a controller, as
 * `@SkipThrottle()` does for the throttler: no circuit is built for it and it is never refused.
 * `@SkipCircuitBreaker(false)` on a route protects it again under a skipped controller. A route
 * with `@CircuitBreaker()` of its own keeps it: that decorator is the route's own choice.
 *
 * @example
 * \@Get('health')
 * \@SkipCircuitBreaker()
 * health() { ... }
 */
export const SkipCircuitBreaker = (skip = true): ClassDecorator & MethodDecorator =>
  SetMetadata(CIRCUIT_BREAKER_SKIP_METADATA, skip);
