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
import { originalMethod, protectCalls, type Method } from './method-dispatch.js';
import { protectMethod, type ReturnKind } from './protected-call.js';

/**
 * Finds `@CircuitBreaker()` methods once, at start-up, resolves their circuits and protects
 * them: a singleton provider's instance gets the protected method as its own property; a
 * controller's instance, or a request-scoped or transient class, gets it through the dispatch
 * the decorator put on the class (see `dispatchToProtected`). Options are validated here, so
 * bad ones fail start-up.
 */
@Injectable()
export class CircuitBreakerExplorer implements OnModuleInit {
  /** Where each circuit was first declared, and with what options: every declaration must agree. */
  private readonly declared = new Map<string, { where: string; options: CircuitOptions }>();

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly reflector: Reflector,
    private readonly registry: CircuitBreakerRegistry,
  ) {}

  onModuleInit(): void {
    const seen = new WeakSet<object>();
    const visit = (wrapper: InstanceWrapper, isController: boolean) => {
      const singleton = wrapper.isDependencyTreeStatic() && !wrapper.isTransient;
      const target = singleton ? wrapper.instance : wrapper.metatype;
      if (!isObject(target) || seen.has(target)) return;
      seen.add(target);
      this.forEachDecorated(prototypeOf(wrapper), (method, decorator) =>
        this.protect(wrapper, method, decorator, isController),
      );
    };
    for (const wrapper of this.discovery.getProviders()) visit(wrapper, false);
    for (const wrapper of this.discovery.getControllers()) visit(wrapper, true);
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

  private protect(
    wrapper: InstanceWrapper,
    method: string,
    decorator: CircuitBreakerDecoratorOptions,
    isController: boolean,
  ): void {
    const prototype = prototypeOf(wrapper) as Record<string, Method>;
    const circuit = this.circuitFor(`${className(wrapper)}.${method}`, decorator);
    const protectedMethod = protectMethod(
      circuit,
      originalMethod(prototype[method]!),
      this.fallbackFor(circuit, wrapper, decorator),
      returnKind(prototype, method),
    );
    const instance = wrapper.instance as Record<string, Method> | undefined;
    if (!wrapper.isDependencyTreeStatic() || wrapper.isTransient || instance === undefined) {
      protectCalls({ prototype }, method, protectedMethod); // instances made per request or per use
    } else if (isController) {
      protectCalls({ instance }, method, protectedMethod); // Nest calls handlers on the class
    } else {
      instance[method] = protectedMethod; // no dispatch at all on a provider's calls
    }
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

// An rxjs Observable class, even from another copy of rxjs, is told by its members, as isObservable does.
function returnKind(prototype: object, method: string): ReturnKind {
  const type: unknown = Reflect.getMetadata('design:returntype', prototype, method);
  if (type === undefined || type === Object) return 'unknown';
  const members = (type as { prototype?: { subscribe?: unknown; lift?: unknown } }).prototype;
  return type === Observable ||
    (typeof members?.subscribe === 'function' && typeof members.lift === 'function')
    ? 'observable'
    : 'value';
}

function sameOptions(a: CircuitOptions, b: CircuitOptions): boolean {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]) as Set<keyof CircuitOptions>;
  return [...keys].every((key) => a[key] === b[key]);
}
