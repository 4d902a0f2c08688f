import { Injectable, type OnModuleInit } from '@nestjs/common';
import { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import type { InstanceWrapper } from '@nestjs/core/injector/instance-wrapper.js';
import 'reflect-metadata';
import { Observable } from 'rxjs';
import type { Circuit } from '../engine/circuit.js';
import { CircuitOptionsError } from '../engine/circuit-options.error.js';
import type { CircuitOptions } from '../engine/circuit-options.js';
import { CIRCUIT_BREAKER_METADATA } from './circuit-breaker.constants.js';
import type {
  CircuitBreakerDecoratorOptions,
  CircuitFallback,
} from './circuit-breaker-options.interface.js';
import { CircuitBreakerRegistry } from './circuit-breaker.registry.js';
import { protectMethod } from './protected-call.js';

/** What guards one decorated route handler, for `CircuitBreakerInterceptor`. */
export interface RouteProtection {
  readonly circuit: Circuit;
  /** Bound to the controller; called with `(error, ...executionContextArgs)`. */
  readonly fallback: ((error: unknown, ...args: unknown[]) => unknown) | undefined;
}

/**
 * Finds `@CircuitBreaker()` methods once, at start-up, and resolves their circuits: it wraps
 * the methods of singleton providers in place, and records route handlers' circuits for
 * `CircuitBreakerInterceptor`. Options are validated here, so bad ones fail start-up.
 */
@Injectable()
export class CircuitBreakerExplorer implements OnModuleInit {
  private readonly routes = new WeakMap<object, RouteProtection>();
  /** Where each circuit was first declared, and with what options: every declaration must agree. */
  private readonly declared = new Map<string, { where: string; options: CircuitOptions }>();

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly reflector: Reflector,
    private readonly registry: CircuitBreakerRegistry,
  ) {}

  onModuleInit(): void {
    const wrapped = new WeakSet<object>();
    for (const wrapper of this.discovery.getProviders()) {
      const instance: unknown = wrapper.instance;
      if (!isObject(instance) || wrapped.has(instance)) continue;
      wrapped.add(instance);
      // The instance's own prototype: a factory provider's metatype is the factory, not the class.
      this.forEachDecorated(Object.getPrototypeOf(instance), (method, decorator) =>
        this.protectProviderMethod(wrapper, method, decorator),
      );
    }
    for (const wrapper of this.discovery.getControllers()) {
      this.forEachDecorated(wrapper.metatype?.prototype, (method, decorator) =>
        this.protectRoute(wrapper, method, decorator),
      );
    }
  }

  /** The protection of a decorated route handler, as found at start-up. */
  routeProtection(handler: object): RouteProtection | undefined {
    return this.routes.get(handler);
  }

  private forEachDecorated(
    prototype: unknown,
    visit: (method: string, options: CircuitBreakerDecoratorOptions) => void,
  ): void {
    if (!isObject(prototype)) return;
    for (const method of this.scanner.getAllMethodNames(prototype)) {
      const handler = (prototype as Record<string, unknown>)[method];
      if (typeof handler !== 'function') continue;
      const options = this.reflector.get<CircuitBreakerDecoratorOptions | undefined>(
        CIRCUIT_BREAKER_METADATA,
        handler,
      );
      if (options !== undefined) visit(method, options);
    }
  }

  private protectProviderMethod(
    wrapper: InstanceWrapper,
    method: string,
    decorator: CircuitBreakerDecoratorOptions,
  ): void {
    const where = `${className(wrapper)}.${method}`;
    if (!wrapper.isDependencyTreeStatic() || wrapper.isTransient) {
      throw new Error(
        `@CircuitBreaker() on ${where}: ${className(wrapper)} is request-scoped or transient, and only methods of ` +
          'singleton providers are protected. Move the protected call into a singleton provider, or run it ' +
          'through CircuitBreakerRegistry.getOrCreate(name).execute(...).',
      );
    }
    const instance = wrapper.instance as Record<string, (...args: unknown[]) => unknown>;
    const prototype = Object.getPrototypeOf(instance) as object;
    const circuit = this.circuitFor(where, decorator);
    const fallback = this.fallbackFor(circuit, wrapper, decorator);
    const returnsObservable =
      Reflect.getMetadata('design:returntype', prototype, method) === Observable;
    instance[method] = protectMethod(circuit, instance[method], fallback, returnsObservable);
  }

  private protectRoute(
    wrapper: InstanceWrapper,
    method: string,
    decorator: CircuitBreakerDecoratorOptions,
  ): void {
    const where = `${className(wrapper)}.${method}`;
    const circuit = this.circuitFor(where, decorator);
    const fallback = this.fallbackFor(circuit, wrapper, decorator);
    if (fallback !== undefined && !wrapper.isDependencyTreeStatic()) {
      throw new Error(
        `@CircuitBreaker() on ${where}: a fallback needs the controller instance, and ${className(wrapper)} is ` +
          'request-scoped. Drop the fallback, or make the controller a singleton.',
      );
    }
    const handler = (prototypeOf(wrapper) as Record<string, object>)[method];
    const instance = wrapper.instance as object;
    this.routes.set(handler, {
      circuit,
      fallback: fallback && ((error, ...args) => fallback.call(instance, error, ...args)),
    });
  }

  private circuitFor(where: string, decorator: CircuitBreakerDecoratorOptions): Circuit {
    const { name = where, fallback: _fallback, ...options } = decorator;
    const known = this.declared.get(name);
    if (known === undefined) this.declared.set(name, { where, options });
    else if (!sameOptions(known.options, options)) {
      throw new CircuitOptionsError(
        name,
        'options',
        options,
        `the same options as at ${known.where}, where the circuit is declared too (a shared circuit has one set of options)`,
      );
    }
    return this.registry.getOrCreate(name, options);
  }

  private fallbackFor(
    circuit: Circuit,
    wrapper: InstanceWrapper,
    { fallback }: CircuitBreakerDecoratorOptions,
  ): CircuitFallback | undefined {
    if (fallback === undefined || typeof fallback === 'function') return fallback;
    const method = (prototypeOf(wrapper) as Record<string, unknown>)[fallback];
    if (typeof method !== 'function') {
      throw new CircuitOptionsError(
        circuit.name,
        'fallback',
        fallback,
        `the name of a method of ${className(wrapper)}`,
      );
    }
    return method as CircuitFallback;
  }
}

function isObject(value: unknown): value is object {
  return (typeof value === 'object' && value !== null) || typeof value === 'function';
}

// A controller's class, or the class a provider's instance belongs to (even when a factory made it).
function prototypeOf(wrapper: InstanceWrapper): object {
  return wrapper.isDependencyTreeStatic() && isObject(wrapper.instance)
    ? (Object.getPrototypeOf(wrapper.instance) as object)
    : (wrapper.metatype as { prototype: object }).prototype;
}

function className(wrapper: InstanceWrapper): string {
  return (
    (prototypeOf(wrapper) as { constructor?: { name?: string } }).constructor?.name ??
    String(wrapper.name)
  );
}

function sameOptions(a: CircuitOptions, b: CircuitOptions): boolean {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]) as Set<keyof CircuitOptions>;
  return [...keys].every((key) => a[key] === b[key]);
}
