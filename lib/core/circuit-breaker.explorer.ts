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
}

/**
 * Finds `@CircuitBreaker()` methods once, at start-up, resolves their circuits and protects
 * them: a singleton provider's instance gets the protected method as its own property; a
 * controller's instance, or a request-scoped or transient class, gets it through the dispatch
 * the decorator put on the class (see `dispatchToProtected`). Options are validated here, so
 * bad ones fail start-up.
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
    const found = this.explore();
    // Every declaration first, so that a shared circuit is built with all of its options.
    for (const { name, where, decorator } of found) this.declare(name, where, decorator);
    for (const decorated of found) this.protect(decorated);
  }

  /** Every decorated method of every provider and controller, each class once. */
  private explore(): Decorated[] {
    const seen = new WeakSet<object>();
    const found: Decorated[] = [];
    const visit = (wrapper: InstanceWrapper, isController: boolean) => {
      const target = isSingleton(wrapper) ? wrapper.instance : wrapper.metatype;
      if (!isObject(target) || seen.has(target)) return;
      seen.add(target);
      const prototype = classPrototypeOf(wrapper) as Record<string, Method>;
      if (!isObject(prototype)) return;
      let className: string | undefined; // read once, for the class's first decorated method
      for (const method of this.scanner.getAllMethodNames(prototype)) {
        const decorator = this.metadata.circuitOptions(prototype[method]);
        if (decorator === undefined) continue;
        className ??= classNameOf(wrapper);
        const where = `${className}.${method}`;
        const { name = where } = decorator;
        found.push({ wrapper, prototype, className, method, where, name, decorator, isController });
      }
    };
    for (const wrapper of this.discovery.getProviders()) visit(wrapper, false);
    for (const wrapper of this.discovery.getControllers()) visit(wrapper, true);
    return found;
  }

  private protect(decorated: Decorated): void {
    const { wrapper, prototype, method, name, isController } = decorated;
    const circuit = this.registry.getOrCreate(name, this.declared.get(name)!.options);
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

  private declare(name: string, where: string, decorator: CircuitBreakerDecoratorOptions): void {
    const { name: _name, fallback: _fallback, ...options } = decorator;
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
