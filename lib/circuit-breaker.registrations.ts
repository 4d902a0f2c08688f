import { Module, type DynamicModule, type FactoryProvider, type Provider } from '@nestjs/common';
import { ModulesContainer } from '@nestjs/core';
import type { CircuitOptions } from './engine/circuit-options.js';
import { checkModuleOptions } from './core/resolve-module-options.js';
import {
  CIRCUIT_BREAKER_CONFIGURED_CIRCUITS,
  CIRCUIT_BREAKER_OPTIONS,
} from './core/circuit-breaker.constants.js';

/** How `CircuitBreakerModule` was registered: one per `forRoot()`, `forRootAsync()`, `forFeature()`. */
interface Registration {
  method: 'forRoot' | 'forRootAsync' | 'forFeature';
  /** Where it was called (`app.module.ts:21`), for when no module is found importing it. */
  calledAt: string | undefined;
  /** A feature's circuits. */
  circuits?: Record<string, CircuitOptions>;
}

const ROOT = Symbol('CIRCUIT_BREAKER_ROOT_REGISTRATION');
const FEATURE = Symbol('CIRCUIT_BREAKER_FEATURE_REGISTRATION');
/** Runs the checks in a feature module: there, nothing else would. */
const FEATURE_CHECK = Symbol('CIRCUIT_BREAKER_FEATURE_CHECK');

/**
 * The root registration's providers: its mark, and the circuits of `circuits` and of every
 * `forFeature()`, merged once the application is scanned. Building them checks that the
 * application has one root registration and that no circuit is configured twice.
 */
export function rootRegistration(
  method: 'forRoot' | 'forRootAsync',
  caller: (...args: never[]) => unknown,
): Provider[] {
  const registration: Registration = { method, calledAt: callSite(caller) };
  const circuits: FactoryProvider = {
    provide: CIRCUIT_BREAKER_CONFIGURED_CIRCUITS,
    inject: [ModulesContainer, CIRCUIT_BREAKER_OPTIONS],
    useFactory: (modules: ModulesContainer, options: unknown) => {
      checkModuleOptions(options); // a factory's options, first seen here
      return configuredCircuits(modules, options.circuits);
    },
  };
  return [{ provide: ROOT, useValue: registration }, circuits];
}

/** A module of the application, as Nest holds it. */
type NestModule = ModulesContainer extends Map<string, infer M> ? M : never;

/** What `forFeature()` returns is this module: none of the root's providers, its own only. */
@Module({})
export class CircuitBreakerFeatureModule {}

/** `forFeature()`'s module: its circuits, read by the root registration. */
export function featureRegistration(
  circuits: Record<string, CircuitOptions>,
  caller: (...args: never[]) => unknown,
): DynamicModule {
  const registration: Registration = {
    method: 'forFeature',
    calledAt: callSite(caller),
    circuits,
  };
  return {
    module: CircuitBreakerFeatureModule,
    providers: [
      { provide: FEATURE, useValue: registration },
      {
        provide: FEATURE_CHECK,
        inject: [ModulesContainer],
        useFactory: (modules: ModulesContainer) => void registrations(modules),
      },
    ],
  };
}

interface Found {
  registration: Registration;
  /** The modules that import it, or where it was called. */
  where: string;
}

/** Every registration of the application, checked: one root, and no feature without it. */
function registrations(modules: ModulesContainer): { root: Found; features: Found[] } {
  const roots = find(modules, ROOT);
  const features = find(modules, FEATURE);
  if (roots.length > 1) {
    const [first, second] = roots.map(
      ({ registration, where }) => `${registration.method}() in ${where}`,
    );
    throw new Error(
      `CircuitBreakerModule.forRoot() was registered twice in one application: ${first!} and ` +
        `${second!}. Each registration builds its own circuits, so one of them would be ignored ` +
        'silently. Call forRoot() or forRootAsync() once, in the root module, with every option ' +
        '(notifications, store, metrics…); use CircuitBreakerModule.forFeature({ circuits }) in ' +
        'feature modules.',
    );
  }
  if (roots.length === 0) {
    throw new Error(
      `CircuitBreakerModule.forFeature() in ${features[0]!.where} needs ` +
        'CircuitBreakerModule.forRoot() (or forRootAsync()) in the root module: without it, ' +
        'its circuits have no registry.',
    );
  }
  return { root: roots[0]!, features };
}

/** `circuits` and those of every feature, each name from one place only. */
function configuredCircuits(
  modules: ModulesContainer,
  circuits: Record<string, CircuitOptions> | undefined,
): Record<string, CircuitOptions> {
  const { root, features } = registrations(modules);
  const from = new Map<string, string>();
  const entries: [string, CircuitOptions][] = [];
  const add = (given: Record<string, CircuitOptions> | undefined, where: string) => {
    for (const [name, options] of Object.entries(given ?? {})) {
      const earlier = from.get(name);
      if (earlier !== undefined) {
        throw new Error(
          `CircuitBreakerModule: circuit ${JSON.stringify(name)} is configured twice, in ` +
            `${earlier} and in ${where}. Configure each circuit in one place.`,
        );
      }
      from.set(name, where);
      entries.push([name, options]);
    }
  };
  add(circuits, `${root.registration.method}() in ${root.where}`);
  for (const { registration, where } of features)
    add(registration.circuits, `forFeature() in ${where}`);
  // fromEntries defines each name as an own property, `__proto__` included.
  return Object.fromEntries(entries);
}

/** The registrations under `token`, each with where it is, in the order Nest scanned them. */
function find(modules: ModulesContainer, token: symbol): Found[] {
  const found: Found[] = [];
  for (const module of modules.values()) {
    const registration = module.providers.get(token)?.instance as Registration | undefined;
    if (registration === undefined) continue;
    const importers = importersOf(modules, token, registration);
    const where =
      importers.length > 0 ? importers.join(', ') : (registration.calledAt ?? 'a module');
    found.push({ registration, where });
  }
  return found;
}

/** The modules whose `@Module({ imports })` list the dynamic module holding `registration`. */
function importersOf(
  modules: ModulesContainer,
  token: symbol,
  registration: Registration,
): string[] {
  const names: string[] = [];
  for (const module of modules.values()) {
    if (imports(module).some((entry) => holds(entry, token, registration))) {
      names.push(module.name);
    }
  }
  return names;
}

function imports(module: NestModule): unknown[] {
  const listed: unknown = Reflect.getMetadata('imports', module.metatype);
  return Array.isArray(listed) ? listed : [];
}

function holds(entry: unknown, token: symbol, registration: Registration): boolean {
  const providers = (entry as DynamicModule | undefined)?.providers;
  return (
    Array.isArray(providers) &&
    providers.some(
      (provider) =>
        typeof provider === 'object' &&
        'provide' in provider &&
        provider.provide === token &&
        'useValue' in provider &&
        provider.useValue === registration,
    )
  );
}

/** `file:line` of the code that called `caller`, from the stack (no path: it may be long). */
function callSite(caller: (...args: never[]) => unknown): string | undefined {
  const holder: { stack?: string } = {};
  Error.captureStackTrace(holder, caller);
  const frame = holder.stack?.split('\n')[1];
  const place = frame === undefined ? undefined : /([^/\\(\s]+):(\d+):\d+\)?$/.exec(frame);
  return place === null || place === undefined ? undefined : `${place[1]}:${place[2]}`;
}
