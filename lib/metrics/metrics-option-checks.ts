import { inspect } from 'node:util';

/**
 * The checks both exporters' options share (`metrics.*` and `openTelemetry.*`), each naming the
 * option as the user wrote it, so that a mistake stops the application at start-up.
 */
export function checkMaxCircuits(option: string, value: unknown): asserts value is number {
  if (!Number.isSafeInteger(value) || (value as number) < 1) {
    throw metricsOptionError(option, value, 'a whole number ≥ 1');
  }
}

/** Histogram bucket bounds in seconds: at least one, each above zero and the one before. */
export function checkBuckets(option: string, value: unknown): asserts value is number[] {
  const increasing =
    Array.isArray(value) &&
    value.length > 0 &&
    value.every(
      (b, i) =>
        typeof b === 'number' && b > 0 && Number.isFinite(b) && (i === 0 || b > value[i - 1]),
    );
  if (!increasing) throw metricsOptionError(option, value, 'increasing numbers of seconds > 0');
}

export function metricsOptionError(option: string, value: unknown, expected: string): Error {
  return new Error(
    `CircuitBreakerModule: ${option} must be ${expected}, got ${inspect(value, { depth: 0 })}`,
  );
}
