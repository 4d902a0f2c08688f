import { CircuitOptionsError } from '../engine/errors/circuit-options.error.js';
import type { CircuitOptions } from '../engine/circuit-options.js';
import type { CircuitBreakerRegistryOptions } from './circuit-breaker-registry-options.interface.js';

/** How many circuits a registry holds at most unless `maxCircuits` says otherwise. */
export const DEFAULT_MAX_CIRCUITS = 10_000;

/**
 * Checks the shape of the module's options, so that a mistake stops the application at
 * start-up with a message that says what to write: `forRoot(null)`, `circuits: 'x'`,
 * `circuits: { payments: 5 }`. Each circuit's own options are checked when it is built.
 */
export function checkModuleOptions(
  options: unknown,
): asserts options is CircuitBreakerRegistryOptions {
  if (!isPlainObject(options)) {
    throw moduleError('options', options, 'an object such as { defaults, circuits }, or nothing');
  }
  const { defaults, circuits, maxCircuits } = options as CircuitBreakerRegistryOptions;
  if (defaults !== undefined && !isPlainObject(defaults)) {
    throw moduleError('defaults', defaults, 'an object of circuit options');
  }
  if (circuits !== undefined) checkCircuits(circuits);
  if (maxCircuits !== undefined && !(Number.isSafeInteger(maxCircuits) && maxCircuits >= 1)) {
    throw moduleError('maxCircuits', maxCircuits, 'a whole number ≥ 1');
  }
}

/**
 * Checks `forFeature()`'s options: `{ circuits }` and nothing else (`defaults`, `maxCircuits`
 * and the integrations are the root registration's).
 */
export function checkFeatureOptions(
  options: unknown,
): asserts options is { circuits: Record<string, CircuitOptions> } {
  const subject = 'CircuitBreakerModule.forFeature';
  if (!isPlainObject(options)) {
    throw moduleError('options', options, 'an object such as { circuits }', subject);
  }
  for (const key of Object.keys(options)) {
    if (key !== 'circuits') {
      throw moduleError(
        key,
        options[key],
        'given to forRoot() only: forFeature() takes { circuits }',
        subject,
      );
    }
  }
  checkCircuits(options.circuits, subject);
}

function checkCircuits(circuits: unknown, subject?: string): void {
  if (!isPlainObject(circuits)) {
    throw moduleError(
      'circuits',
      circuits,
      'an object of circuit options by circuit name',
      subject,
    );
  }
  for (const [name, given] of Object.entries(circuits)) {
    if (!isPlainObject(given)) {
      throw moduleError(
        `circuits[${JSON.stringify(name)}]`,
        given,
        'an object of circuit options',
        subject,
      );
    }
  }
}

/** Checks that `forRootAsync()` was given an object, such as `{ useFactory, inject }`. */
export function checkAsyncModuleOptions(options: unknown): void {
  if (!isPlainObject(options)) {
    throw moduleError(
      'options',
      options,
      'an object such as { useFactory, inject }',
      'CircuitBreakerModule.forRootAsync',
    );
  }
}

/** `circuits[name]` when `circuits` has it as its own: never a member of Object.prototype. */
export function configuredOptions(
  circuits: Record<string, CircuitOptions> | undefined,
  name: string,
): CircuitOptions | undefined {
  return circuits !== undefined && Object.hasOwn(circuits, name) ? circuits[name] : undefined;
}

/** An object that is not an array (nor null): what an options object must be. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function moduleError(
  option: string,
  value: unknown,
  expected: string,
  subject = 'CircuitBreakerModule',
): CircuitOptionsError {
  return new CircuitOptionsError('', option, value, expected, subject);
}
