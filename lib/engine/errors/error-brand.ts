/**
 * A mark on an error class's instances that every copy of the package shares: the ESM and the
 * CommonJS builds loaded in one process, or two versions side by side each have their own
 * class, but `Symbol.for` gives them one symbol. Type guards and `instanceof` read the mark, so
 * an error from one copy is recognised by the other (by the module's exception filter too).
 */
export interface ErrorBrand {
  /** Puts the mark on every instance of a class, through its prototype. */
  mark(prototype: object): void;
  /** Whether `value` carries the mark. Never throws, whatever `value` is. */
  test(value: unknown): boolean;
}

export function errorBrand(name: string): ErrorBrand {
  const brand = Symbol.for(`nestjs-circuit-breaker.${name}`);
  return {
    mark: (prototype) => Object.defineProperty(prototype, brand, { value: true }),
    test(value) {
      try {
        return (
          typeof value === 'object' &&
          value !== null &&
          (value as Record<symbol, unknown>)[brand] === true
        );
      } catch {
        return false; // a Proxy whose traps throw is not ours
      }
    },
  };
}
