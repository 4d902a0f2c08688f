import { applyDecorators, SetMetadata, UseInterceptors } from '@nestjs/common';
import { CIRCUIT_BREAKER_METADATA } from './circuit-breaker.constants.js';
import type { CircuitBreakerDecoratorOptions } from './circuit-breaker-options.interface.js';
import { CircuitBreakerInterceptor } from './circuit-breaker.interceptor.js';

/**
 * Protects a method with a circuit. On a singleton provider's method the module wraps the
 * method at start-up; on a controller's route handler `CircuitBreakerInterceptor` (which this
 * decorator applies) does. Methods returning a Promise, a plain value or an Observable (each
 * subscription one call) are all protected.
 *
 * @example
 * \@CircuitBreaker()                                  // circuit "PaymentsClient.charge"
 * \@CircuitBreaker('payments')                        // a named circuit, shared by name
 * \@CircuitBreaker({ name: 'payments', timeoutMs: 2_000, fallback: 'cached' })
 */
export function CircuitBreaker(
  nameOrOptions?: string | CircuitBreakerDecoratorOptions,
): MethodDecorator {
  const options =
    typeof nameOrOptions === 'string' ? { name: nameOrOptions } : { ...nameOrOptions };
  return applyDecorators(
    SetMetadata(CIRCUIT_BREAKER_METADATA, options),
    UseInterceptors(CircuitBreakerInterceptor),
  );
}
