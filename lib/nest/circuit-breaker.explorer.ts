import { Injectable, type OnModuleInit } from '@nestjs/common';
import { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import type { InstanceWrapper } from '@nestjs/core/injector/instance-wrapper.js';
import 'reflect-metadata';
import { Observable } from 'rxjs';
import type { Circuit } from '../engine/circuit.js';
import { CircuitOptionsError } from '../engine/errors/circuit-options.error.js';
import type { CircuitOptions } from '../engine/circuit-options.js';
import { CIRCUIT_BREAKER_METADATA, CIRCUIT_SIGNAL_METADATA } from './circuit-breaker.constants.js';
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
  /**
   * Each shared circuit's options, from all its declarations: an option given by several must
   * have one value; a declaration that gives none (`@CircuitBreaker('payments')`) joins.
   */
  private readonly declared = new Map<string, { where: string; options: CircuitOptions }>();

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly reflector: Reflector,
    private readonly registry: CircuitBreakerRegistry,
  ) {}

  onModuleInit(): void {
    const seen = new WeakSet<object>();
    const found: Array<Parameters<CircuitBreakerExplorer['protect']>> = [];
    const visit = (wrapper: InstanceWrapper, isController: boolean) => {
      const singleton = wrapper.isDependencyTreeStatic() && !wrapper.isTransient;
      const target = singleton ? wrapper.instance : wrapper.metatype;
      if (!isObject(target) || seen.has(target)) return;
      seen.add(target);
      this.forEachDecorated(prototypeOf(wrapper), (method, decorator) =>
        found.push([wrapper, method, decorator, isController]),
      );
    };
    for (const wrapper of this.discovery.getProviders()) visit(wrapper, false);
    for (const wrapper of this.discovery.getControllers()) visit(wrapper, true);
    // Every declaration first, so that a shared circuit is built with all of its options.
    for (const [wrapper, method, decorator] of found) {
      this.declare(`${className(wrapper)}.${method}`, decorator);
    }
    for (const args of found) this.protect(...args);
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
    const original = originalMethod(prototype[method]!);
    const protectedMethod = protectMethod({
      circuit,
      method: original,
      fallback: this.fallbackFor(circuit, wrapper, decorator),
      returns: returnKind(prototype, method, original),
      signalAt: Reflect.getMetadata(CIRCUIT_SIGNAL_METADATA, prototype, method) as
        number | undefined,
    });
    const instance = wrapper.instance as Record<string, Method> | undefined;
    if (!wrapper.isDependencyTreeStatic() || wrapper.isTransient || instance === undefined) {
      protectCalls({ prototype }, method, protectedMethod); // instances made per request or per use
    } else if (isController) {
      protectCalls({ instance }, method, protectedMethod); // Nest calls handlers on the class
    } else {
      instance[method] = protectedMethod; // no dispatch at all on a provider's calls
    }
  }

  private declare(where: string, decorator: CircuitBreakerDecoratorOptions): void {
    const { name = where, fallback: _fallback, ...given } = decorator;
    const options = definedOnly(given);
    const known = this.declared.get(name);
    if (known === undefined) return void this.declared.set(name, { where, options });
    if (!agree(known.options, options)) {
      throw new CircuitOptionsError(
        name,
        'options',
        options,
        `the same options as at ${known.where}, where the circuit is declared too (a shared circuit has one set of options)`,
      );
    }
    known.options = { ...known.options, ...options };
  }

  private circuitFor(where: string, decorator: CircuitBreakerDecoratorOptions): Circuit {
    const name = decorator.name ?? where;
    return this.registry.getOrCreate(name, this.declared.get(name)!.options);
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

const AsyncFunction = (async () => {}).constructor;

/**
 * What the method returns, from its declaration: an `async` method returns a promise; otherwise
 * the type TypeScript recorded tells. An rxjs Observable class, even from another copy of rxjs,
 * is told by its members, as isObservable does.
 */
function returnKind(prototype: object, method: string, original: Method): ReturnKind {
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

/** Whether every option that both give has the same value in both. */
function agree(a: CircuitOptions, b: CircuitOptions): boolean {
  return (Object.keys(b) as Array<keyof CircuitOptions>).every(
    (key) => !(key in a) || a[key] === b[key],
  );
}

function definedOnly(options: CircuitOptions): CircuitOptions {
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined));
}
