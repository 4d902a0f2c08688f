import {
  Injectable,
  type CallHandler,
  type ExecutionContext,
  type NestInterceptor,
} from '@nestjs/common';
import type { Observable } from 'rxjs';
import type { Circuit } from '../engine/circuit.js';
import { CircuitBreakerMetadataAccessor } from './circuit-breaker-metadata.accessor.js';
import { CircuitBreakerRegistry } from './circuit-breaker.registry.js';
import { guardObservable } from './protected-call.js';

/** The calls an interceptor has put through a circuit: Nest hands every interceptor of one call the same arguments. */
const guarded = new WeakSet<object>();

/**
 * Puts a circuit on every route it intercepts, the Nest way: `@UseInterceptors()` on a
 * controller or a route, or every route of the app through `APP_INTERCEPTOR`. Each route gets
 * a circuit of its own, `ControllerName.handlerName`, with the module's `defaults` and its
 * `circuits[name]`; each request is one call (an Observable route: its first value).
 *
 * A route that carries `@CircuitBreaker()` is left to the decorator, which protects it already
 * with its own name, options and fallback: never twice. `@CircuitBreaker()` alone costs a
 * request nothing; an interceptor runs on every request of the routes it covers.
 *
 * @example
 * \@UseInterceptors(CircuitBreakerInterceptor)
 * \@Controller('orders')
 * export class OrdersController { ... }
 *
 * providers: [{ provide: APP_INTERCEPTOR, useClass: CircuitBreakerInterceptor }]
 */
@Injectable()
export class CircuitBreakerInterceptor implements NestInterceptor {
  /** Each handler's circuit, resolved on its first request; `null` for a decorated handler. */
  private readonly circuits = new WeakMap<object, Circuit | null>();

  constructor(
    private readonly registry: CircuitBreakerRegistry,
    private readonly metadata: CircuitBreakerMetadataAccessor,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    // Applied twice to one call (globally and on its controller)? The first one counts it.
    const call = context.getArgs();
    const circuit = guarded.has(call) ? null : this.circuitFor(context);
    if (circuit === null) return next.handle();
    guarded.add(call);
    return guardObservable(circuit, () => next.handle());
  }

  private circuitFor(context: ExecutionContext): Circuit | null {
    const handler = context.getHandler();
    let circuit = this.circuits.get(handler);
    if (circuit === undefined) {
      circuit =
        this.metadata.circuitOptions(handler) === undefined
          ? this.registry.getOrCreate(`${context.getClass().name}.${handler.name}`)
          : null;
      this.circuits.set(handler, circuit);
    }
    return circuit;
  }
}
