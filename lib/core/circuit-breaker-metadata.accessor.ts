import { Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import 'reflect-metadata';
import { Observable } from 'rxjs';
import { CIRCUIT_BREAKER_METADATA, CIRCUIT_SIGNAL_METADATA } from './circuit-breaker.constants.js';
import type { CircuitBreakerDecoratorOptions } from './circuit-breaker-decorator-options.interface.js';
import type { Method } from './method-dispatch.js';
import type { ReturnKind } from './protected-call.js';

const AsyncFunction = (async () => {}).constructor;

/** Reads what `@CircuitBreaker()`, `@CircuitSignal()` and TypeScript recorded of a method. */
@Injectable()
export class CircuitBreakerMetadataAccessor {
  constructor(private readonly reflector: Reflector) {}

  /** The options `@CircuitBreaker()` recorded on a method (its dispatch), if it is decorated. */
  circuitOptions(handler: unknown): CircuitBreakerDecoratorOptions | undefined {
    if (typeof handler !== 'function') return undefined;
    return this.reflector.get<CircuitBreakerDecoratorOptions | undefined>(
      CIRCUIT_BREAKER_METADATA,
      handler,
    );
  }

  /** The index of the parameter marked `@CircuitSignal()`, if any. */
  signalIndex(prototype: object, method: string): number | undefined {
    return Reflect.getMetadata(CIRCUIT_SIGNAL_METADATA, prototype, method) as number | undefined;
  }

  /**
   * What the method returns, from its declaration: an `async` method returns a promise;
   * otherwise the type TypeScript recorded tells. An rxjs Observable class, even from another
   * copy of rxjs, is told by its members, as isObservable does.
   */
  returnKind(prototype: object, method: string, original: Method): ReturnKind {
    if (original instanceof AsyncFunction) return 'promise';
    const type: unknown = Reflect.getMetadata('design:returntype', prototype, method);
    if (type === undefined || type === Object) return 'unknown';
    if (type === Promise) return 'promise';
    const members = (type as { prototype?: { subscribe?: unknown; lift?: unknown } }).prototype;
    return type === Observable ||
      (typeof members?.subscribe === 'function' && typeof members.lift === 'function')
      ? 'observable'
      : 'value';
  }
}
