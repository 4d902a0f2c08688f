import 'reflect-metadata';
import { CIRCUIT_BREAKER_METADATA } from './circuit-breaker.constants.js';
import type { CircuitBreakerDecoratorOptions } from './circuit-breaker-decorator-options.interface.js';
import { dispatchToProtected, type Method } from './method-dispatch.js';

/**
 * Protects a method with a circuit, resolved once at start-up: a method of any provider
 * (services, clients, repositories) or a controller's route handler. Methods returning a
 * Promise, a plain value or an Observable (each subscription one call) are all protected.
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
  return (target, key, descriptor) => {
    const original = descriptor.value as unknown;
    if (typeof original !== 'function') {
      throw new TypeError(
        `@CircuitBreaker() decorates methods; ${target.constructor.name}.${String(key)} is not one`,
      );
    }
    const dispatch = dispatchToProtected(original as Method, key);
    // The metadata of decorators applied before this one (route, guards, pipes...) moves along.
    for (const metadataKey of Reflect.getOwnMetadataKeys(original)) {
      Reflect.defineMetadata(metadataKey, Reflect.getOwnMetadata(metadataKey, original), dispatch);
    }
    Reflect.defineMetadata(CIRCUIT_BREAKER_METADATA, options, dispatch);
    descriptor.value = dispatch as typeof descriptor.value;
    return descriptor;
  };
}
