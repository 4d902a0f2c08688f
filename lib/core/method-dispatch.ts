// eslint-disable-next-line @typescript-eslint/no-explicit-any -- protects methods of any shape
export type Method = (this: any, ...args: any[]) => unknown;

const ORIGINAL = Symbol('nestjs-circuit-breaker:original');
const byInstance = new WeakMap<object, Map<PropertyKey, Method>>();
const byClass = new WeakMap<object, Map<PropertyKey, Method>>();

/**
 * What `@CircuitBreaker()` puts on the class in place of the method: it runs the protected
 * version that start-up set for `this` instance (or for the class, when instances are made per
 * request), and the method itself before that. Nest's router calls a route handler through the
 * class's method, so this is what protects handlers, with no interceptor in the request's way.
 * A singleton provider's instance gets its protected method as its own property instead.
 */
export function dispatchToProtected(original: Method, key: PropertyKey): Method {
  const dispatch = function (this: object, ...args: unknown[]): unknown {
    const method =
      byInstance.get(this)?.get(key) ?? byClass.get(Object.getPrototypeOf(this))?.get(key);
    return (method ?? original).apply(this, args);
  };
  Object.defineProperty(dispatch, 'name', { value: original.name });
  Object.defineProperty(dispatch, ORIGINAL, { value: original });
  return dispatch;
}

/** The method as written, under the dispatch `@CircuitBreaker()` put in its place. */
export function originalMethod(method: Method): Method {
  return (method as { [ORIGINAL]?: Method })[ORIGINAL] ?? method;
}

/** Calls of `key` on `instance` (an object, or a class's prototype for all its instances) run `method`. */
export function protectCalls(
  target: { instance: object } | { prototype: object },
  key: PropertyKey,
  method: Method,
): void {
  const [map, owner] =
    'instance' in target ? [byInstance, target.instance] : [byClass, target.prototype];
  let methods = map.get(owner);
  if (methods === undefined) map.set(owner, (methods = new Map()));
  methods.set(key, method);
}
