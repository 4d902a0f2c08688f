import { Injectable, RequestMethod } from '@nestjs/common';
import { METHOD_METADATA } from '@nestjs/common/constants.js';
import { Reflector } from '@nestjs/core';
import 'reflect-metadata';
import { Observable } from 'rxjs';
import {
  CIRCUIT_BREAKER_METADATA,
  CIRCUIT_BREAKER_SKIP_METADATA,
  CIRCUIT_SIGNAL_METADATA,
  IDEMPOTENT_ROUTE_METADATA,
} from './circuit-breaker.constants.js';
import type { CircuitBreakerDecoratorOptions } from './circuit-breaker-decorator-options.interface.js';
import type { Method } from './method-dispatch.js';
import type { ReturnKind } from './protected-call.js';

const AsyncFunction = (async () => {}).constructor;

/** The HTTP methods that may run twice for one request with no harm done (RFC 9110, 9.2.2). */
const IDEMPOTENT_METHODS: ReadonlySet<unknown> = new Set([
  RequestMethod.GET,
  RequestMethod.HEAD,
  RequestMethod.OPTIONS,
  RequestMethod.PUT,
  RequestMethod.DELETE,
]);

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

  /** Whether `@SkipCircuitBreaker()` keeps the interceptor off a handler, the handler's own word first. */
  skipsInterceptor(handler: object, controller: object): boolean {
    return (
      this.reflector.getAllAndOverride<boolean | undefined>(CIRCUIT_BREAKER_SKIP_METADATA, [
        handler as () => void,
        controller as () => void,
      ]) === true
    );
  }

  /**
   * Whether a handler's circuit may retry it: running it twice for one request must do no harm.
   * `@IdempotentRoute()` says so (or not) for a route or its controller; otherwise only an HTTP
   * route of an idempotent method may. A handler with no HTTP method (a message handler, a
   * resolver) is not known to be safe to run twice.
   */
  mayRetry(handler: object, controller: object): boolean {
    const declared = this.reflector.getAllAndOverride<boolean | undefined>(
      IDEMPOTENT_ROUTE_METADATA,
      [handler as () => void, controller as () => void],
    );
    return declared ?? IDEMPOTENT_METHODS.has(this.httpMethod(handler));
  }

  /** The HTTP method a route handler answers (`RequestMethod`), as `@Get()`, `@Post()`... recorded it. */
  httpMethod(handler: object): RequestMethod | undefined {
    return Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod | undefined;
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
