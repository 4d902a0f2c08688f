import { Injectable, type OnModuleInit } from '@nestjs/common';
import { DiscoveryService, MetadataScanner } from '@nestjs/core';
import type { InstanceWrapper } from '@nestjs/core/injector/instance-wrapper.js';
import type { Circuit } from '../engine/circuit.js';
import { joinDeclarations, type OptionsDeclaration } from '../engine/circuit-options.js';
import { CircuitOptionsError } from '../engine/errors/circuit-options.error.js';
import type {
  CircuitBreakerDecoratorOptions,
  CircuitFallback,
} from './circuit-breaker-decorator-options.interface.js';
import { CircuitBreakerMetadataAccessor } from './circuit-breaker-metadata.accessor.js';
import { CircuitBreakerRegistry } from './circuit-breaker.registry.js';
import { classNameOf, classPrototypeOf, isObject, isSingleton } from './instance-wrapper.js';
import { originalMethod, protectCalls, type Method } from './method-dispatch.js';
import { protectMethod } from './protected-call.js';
import { routeRetryError } from './route-retry.error.js';

/** How the circuit of a route that must not run twice is built. */
const NO_RETRY = { retries: false };

/** A decorated method found at start-up, with what its class tells worked out once. */
interface Decorated {
  wrapper: InstanceWrapper;
  /** The class's prototype (`classPrototypeOf`), where the method and a named fallback are. */
  prototype: Record<string, Method>;
  className: string;
  method: string;
  /** `ClassName.method`: the circuit's name unless the decorator gives one. */
  where: string;
  /** The circuit's name. */
  name: string;
  decorator: CircuitBreakerDecoratorOptions;
  isController: boolean;
  /**
   * Whether its circuit may retry it: a provider's method, or a controller's handler that may
   * run twice for one request (`CircuitBreakerMetadataAccessor.mayRetry`).
   */
  retries: boolean;
}

/**
 * Finds `@CircuitBreaker()` methods once, at start-up, resolves their circuits and protects
 * them: a singleton provider's instance gets the protected method as its own property; a
 * controller's instance, or a request-scoped or transient class, gets it through the dispatch
 * the decorator put on the class (see `dispatchToProtected`). Options are validated here, so
 * bad ones fail start-up.
 *
 * A controller's handler that must not run twice for one request (a POST route...) gets a
 * circuit without `retry`; a retry it could not honour fails start-up. So does the circuit of an
 * undecorated route that `circuits[name]` configures (for the interceptor): the registry
 * would otherwise build it at start-up with the module's default retry.
 */
@Injectable()
export class CircuitBreakerExplorer implements OnModuleInit {
  /** Each shared circuit's options, joined from all its declarations (`joinDeclarations`). */
  private readonly declared = new Map<string, OptionsDeclaration>();

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly metadata: CircuitBreakerMetadataAccessor,
    private readonly registry: CircuitBreakerRegistry,
  ) {}

  onModuleInit(): void {
    const { found, onceOnlyRoutes } = this.explore();
    // Every declaration first, so that a shared circuit is built with all of its options.
    for (const decorated of found) this.declare(decorated);
    const retrying = new Set(found.filter((d) => d.retries).map((d) => d.name));
    for (const decorated of found) this.protect(decorated, retrying.has(decorated.name));
    for (const route of onceOnlyRoutes) this.registry.getOrCreate(route, undefined, NO_RETRY);
  }

  /**
   * Every decorated method of every provider and controller, each class once; and the
   * undecorated routes, configured in `circuits[name]`, that must not run twice.
   */
  private explore(): { found: Decorated[]; onceOnlyRoutes: string[] } {
    const seen = new WeakSet<object>();
    const found: Decorated[] = [];
    const onceOnlyRoutes: string[] = [];
    const visit = (wrapper: InstanceWrapper, isController: boolean) => {
      const target = isSingleton(wrapper) ? wrapper.instance : wrapper.metatype;
      if (!isObject(target) || seen.has(target)) return;
      seen.add(target);
      const prototype = classPrototypeOf(wrapper) as Record<string, Method>;
      if (!isObject(prototype)) return;
      let className: string | undefined; // read once, for the class's first method of interest
      for (const method of this.scanner.getAllMethodNames(prototype)) {
        const handler = prototype[method]!;
        const decorator = this.metadata.circuitOptions(handler);
        if (decorator === undefined && !isController) continue;
        className ??= classNameOf(wrapper);
        const where = `${className}.${method}`;
        const retries = !isController || this.metadata.mayRetry(handler, prototype.constructor);
        if (decorator === undefined) {
          if (!retries && this.registry.configures(where)) onceOnlyRoutes.push(where);
          continue;
        }
        const { name = where } = decorator;
        found.push({
          wrapper,
          prototype,
          className,
          method,
          where,
          name,
          decorator,
          isController,
          retries,
        });
      }
    };
    for (const wrapper of this.discovery.getProviders()) visit(wrapper, false);
    for (const wrapper of this.discovery.getControllers()) visit(wrapper, true);
    return { found, onceOnlyRoutes };
  }

  /** `mayRetry`: whether any method the circuit protects may be retried. */
  private protect(decorated: Decorated, mayRetry: boolean): void {
    const { wrapper, prototype, method, name, where, isController, retries } = decorated;
    const options = this.declared.get(name)!.options;
    const circuit = this.registry.getOrCreate(name, options, mayRetry ? undefined : NO_RETRY);
    if (!retries && circuit.options.retry !== undefined) {
      // A circuit shared with methods that retry: it would retry this handler too.
      throw routeRetryError(
        name,
        where,
        this.metadata.httpMethod(prototype[method]!),
        options.retry ?? circuit.options.retry,
        true,
      );
    }
    const original = originalMethod(prototype[method]!);
    const protectedMethod = protectMethod({
      circuit,
      method: original,
      fallback: this.fallbackFor(circuit, decorated),
      returns: this.metadata.returnKind(prototype, method, original),
      signalAt: this.metadata.signalIndex(prototype, method),
    });
    const instance = wrapper.instance as Record<string, Method>;
    if (!isSingleton(wrapper)) {
      protectCalls({ prototype }, method, protectedMethod); // instances made per request or per use
    } else if (isController) {
      protectCalls({ instance }, method, protectedMethod); // Nest calls handlers on the class
    } else {
      instance[method] = protectedMethod; // no dispatch at all on a provider's calls
    }
  }

  private declare({ name, where, decorator, retries, prototype, method }: Decorated): void {
    const { name: _name, fallback: _fallback, ...options } = decorator;
    if (!retries && options.retry !== undefined) {
      throw routeRetryError(
        name,
        where,
        this.metadata.httpMethod(prototype[method]!),
        options.retry,
        false,
      );
    }
    const added = { where, options };
    const known = this.declared.get(name);
    this.declared.set(name, known === undefined ? added : joinDeclarations(name, known, added));
  }

  private fallbackFor(
    circuit: Circuit,
    { prototype, className, decorator: { fallback } }: Decorated,
  ): CircuitFallback | undefined {
    if (fallback === undefined || typeof fallback === 'function') return fallback;
    const method: unknown = prototype[fallback];
    if (typeof method !== 'function') {
      throw new CircuitOptionsError(
        circuit.name,
        'fallback',
        fallback,
        `the name of a method of ${className}`,
      );
    }
    return method as CircuitFallback;
  }
}
