import type { InstanceWrapper } from '@nestjs/core/injector/instance-wrapper.js';

/** Whether Nest makes one instance of the class for the whole application (not per request, not per use). */
export function isSingleton(wrapper: InstanceWrapper): boolean {
  return wrapper.isDependencyTreeStatic() && !wrapper.isTransient && isObject(wrapper.instance);
}

/** A controller's class's prototype, or that of the class a provider's instance belongs to (even when a factory made it). */
export function classPrototypeOf(wrapper: InstanceWrapper): object {
  return wrapper.isDependencyTreeStatic() && isObject(wrapper.instance)
    ? (Object.getPrototypeOf(wrapper.instance) as object)
    : (wrapper.metatype as { prototype: object }).prototype;
}

export function classNameOf(wrapper: InstanceWrapper): string {
  return (
    (classPrototypeOf(wrapper) as { constructor?: { name?: string } }).constructor?.name ??
    String(wrapper.name)
  );
}

export function isObject(value: unknown): value is object {
  return (typeof value === 'object' && value !== null) || typeof value === 'function';
}
