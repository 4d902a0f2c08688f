import {
  Inject,
  Injectable,
  Optional,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { Subject, type Observable } from 'rxjs';
import { Circuit } from '../engine/circuit.js';
import {
  resolveCircuitOptions,
  type CircuitOptions,
  type ResolvedCircuitOptions,
} from '../engine/circuit-options.js';
import { CircuitState, type CircuitStateChange } from '../engine/circuit-state.js';
import {
  checkRegistrySnapshot,
  CIRCUIT_SNAPSHOT_VERSION,
  type CircuitRegistrySnapshot,
  type CircuitSnapshot,
} from '../engine/circuit-snapshot.js';
import type { CircuitStats } from '../engine/circuit-stats.js';
import { wallNow, wallToIso } from '../engine/clock.js';
import { CircuitSnapshotError } from '../engine/errors/circuit-snapshot.error.js';
import type { CircuitTransition } from '../engine/transition-history.js';
import { reportCallbackError } from '../engine/report-callback-error.js';
import type { CircuitBreakerRegistryOptions } from './circuit-breaker-registry-options.interface.js';
import {
  CIRCUIT_BREAKER_CONFIGURED_CIRCUITS,
  CIRCUIT_BREAKER_OPTIONS,
} from './circuit-breaker.constants.js';
import { GuardedObservable } from './guarded-observable.js';
import {
  checkModuleOptions,
  configuredOptions,
  DEFAULT_MAX_CIRCUITS,
} from './resolve-module-options.js';
import { TooManyCircuitsError } from './too-many-circuits.error.js';
import { UnknownCircuitError } from './unknown-circuit.error.js';

/**
 * What an integration does to one circuit (metrics observe its calls, a store shares its
 * state…); it returns what undoes it, or nothing.
 */
export type CircuitAttachment = (circuit: Circuit) => (() => void) | void;

/**
 * Every circuit of the application, by name. Inject it to read or steer circuits; decorated
 * methods get theirs from it once, at start-up.
 */
@Injectable()
export class CircuitBreakerRegistry implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly circuits = new Map<string, Circuit>();
  /**
   * How many circuits this registry holds at most: the module's `maxCircuits`, or 10 000. The
   * metrics read it, so that their own cap defaults to this one.
   */
  readonly maxCircuits: number;
  /** Per attachment, what undoes it on each circuit it touched. */
  private readonly attachments = new Map<CircuitAttachment, Map<Circuit, () => void>>();
  private readonly changes = new Subject<CircuitStateChange>();
  /** Snapshots restored before their circuit was built, each taken when it is. */
  private pendingSnapshots = new Map<string, CircuitSnapshot>();

  /**
   * Every state change of every circuit: `{ circuit, from, to, at, reason }`. A subscriber that
   * throws gets a process warning; it never brings the process down.
   */
  readonly events$: Observable<CircuitStateChange> = GuardedObservable.from(this.changes);

  private readonly builtCircuits = new Subject<Circuit>();
  /** Each circuit as the registry builds it (those built before subscribing: `all()`). */
  readonly created$: Observable<Circuit> = GuardedObservable.from(this.builtCircuits);

  /** Options per circuit name: the module's `circuits` and those of `forFeature()`. */
  private readonly configured: Record<string, CircuitOptions> | undefined;

  constructor(
    @Inject(CIRCUIT_BREAKER_OPTIONS)
    private readonly moduleOptions: CircuitBreakerRegistryOptions,
    @Optional()
    @Inject(CIRCUIT_BREAKER_CONFIGURED_CIRCUITS)
    configured?: Record<string, CircuitOptions>,
  ) {
    checkModuleOptions(moduleOptions);
    this.configured = configured ?? moduleOptions.circuits;
    this.maxCircuits = moduleOptions.maxCircuits ?? DEFAULT_MAX_CIRCUITS;
    // Bad defaults fail start-up, even if no circuit is built before a call needs one. Each
    // circuits[name] is checked when its circuit is built at start-up, merged with what a
    // decorator gives it (which it may complete: a slowCallRateThreshold for its duration).
    resolveCircuitOptions('defaults', moduleOptions.defaults);
    this.attach((circuit) => circuit.subscribe((change) => this.changes.next(change)));
  }

  /**
   * Builds the `circuits[name]` circuits that no decorated method built at start-up: once the
   * decorators have given theirs their options, every configured circuit exists.
   */
  onApplicationBootstrap(): void {
    for (const name of Object.keys(this.configured ?? {})) this.getOrCreate(name);
  }

  get(name: string): Circuit | undefined {
    return this.circuits.get(name);
  }

  /**
   * Whether `circuits[name]` of `forRoot()` or of a `forFeature()` configures `name`: such a
   * circuit is built at start-up.
   * @internal
   */
  configures(name: string): boolean {
    return configuredOptions(this.configured, name) !== undefined;
  }

  /**
   * The circuit named `name`, built on first use with, in rising precedence: the built-in
   * defaults, the module's `defaults`, `options`, and the module's `circuits[name]`. A circuit
   * that exists is returned as it is: `options` count only when it is built.
   *
   * Names are a fixed set chosen in code, never taken from request data: beyond `maxCircuits`
   * (default 10 000) building one more throws `TooManyCircuitsError`.
   *
   * `{ retries: false }` builds it with no `retry`, whatever the layers say: the circuit of a
   * route whose handler must not run twice for one request (see `@IdempotentRoute()`).
   */
  getOrCreate(name: string, options?: CircuitOptions, build?: { retries: boolean }): Circuit {
    let circuit = this.circuits.get(name);
    if (circuit === undefined) {
      if (this.circuits.size >= this.maxCircuits)
        throw new TooManyCircuitsError(name, this.maxCircuits);
      const configured = configuredOptions(this.configured, name);
      const resolved = resolveCircuitOptions(
        name,
        this.moduleOptions.defaults,
        options,
        configured,
      );
      circuit = new Circuit(name, build?.retries === false ? withoutRetry(resolved) : resolved);
      this.circuits.set(name, circuit);
      for (const [attachment, detachers] of this.attachments) {
        attachTo(circuit, attachment, detachers);
      }
      const pending = this.pendingSnapshots.get(name);
      if (pending !== undefined) {
        this.pendingSnapshots.delete(name);
        try {
          circuit.restore(pending);
        } catch (refused) {
          // Its options were not known when the snapshot came: it starts afresh, and says why.
          process.emitWarning(
            `Circuit "${name}" starts afresh: ${(refused as Error).message}`,
            'CircuitSnapshotWarning',
          );
        }
      }
      this.builtCircuits.next(circuit);
    }
    return circuit;
  }

  /**
   * Runs `attachment` on every circuit, now and as each is built: the one way an integration
   * plugs into circuits. What it returns for a circuit runs when that circuit is removed, or
   * when the application shuts down. Returns what detaches it from every circuit.
   *
   * @example
   * registry.attach((circuit) => circuit.subscribe((change) => audit.log(change)));
   */
  attach(attachment: CircuitAttachment): () => void {
    if (this.attachments.has(attachment)) return () => this.detach(attachment);
    const detachers = new Map<Circuit, () => void>();
    this.attachments.set(attachment, detachers);
    for (const circuit of this.circuits.values()) attachTo(circuit, attachment, detachers);
    return () => this.detach(attachment);
  }

  has(name: string): boolean {
    return this.circuits.has(name);
  }

  /**
   * Forgets a circuit: what integrations attached to it is undone (its metrics series go,
   * `events$` no longer hears of it). Methods holding it keep using it; `getOrCreate` builds a
   * new one.
   */
  remove(name: string): boolean {
    const circuit = this.circuits.get(name);
    if (circuit === undefined) return false;
    this.circuits.delete(name);
    for (const detachers of this.attachments.values()) {
      const detach = detachers.get(circuit);
      detachers.delete(circuit);
      if (detach !== undefined) undo(detach);
    }
    circuit.dispose();
    return true;
  }
  all(): Circuit[] {
    return [...this.circuits.values()];
  }

  names(): string[] {
    return [...this.circuits.keys()];
  }

  stats(): CircuitStats[] {
    return this.all().map((circuit) => circuit.stats());
  }

  /**
   * The circuit's last state changes, oldest first, each with the figures that explain it.
   * @throws UnknownCircuitError (404) when no circuit has that name.
   */
  history(name: string): CircuitTransition[] {
    return this.require(name).history();
  }

  /** Every circuit's snapshot (see `Circuit.snapshot()`), as plain JSON. */
  snapshot(): CircuitRegistrySnapshot {
    return {
      version: CIRCUIT_SNAPSHOT_VERSION,
      takenAt: wallToIso(wallNow()),
      circuits: this.all().map((circuit) => circuit.snapshot()),
    };
  }

  /**
   * Restores every circuit of `snapshot` (see `Circuit.restore()`): those built now at once, the
   * others when they are built, so it may run before the decorated methods are set up. A later
   * call replaces what an earlier one left waiting. A circuit built later checks its snapshot
   * against its options then (the backoff step): refused, it starts afresh with a process warning.
   * @throws CircuitSnapshotError, having restored nothing, when any of its circuits is refused.
   */
  restore(snapshot: CircuitRegistrySnapshot): void {
    const { circuits } = checkRegistrySnapshot(snapshot);
    if (circuits.length > this.maxCircuits) {
      throw new CircuitSnapshotError(
        'circuits',
        `${circuits.length} circuits`,
        `at most maxCircuits (${this.maxCircuits})`,
      );
    }
    // What only a built circuit's options bound is checked for every one before any is restored.
    circuits.forEach((restored, index) =>
      this.circuits.get(restored.name)?.checkSnapshot(restored, `circuits[${index}].`),
    );
    this.pendingSnapshots = new Map();
    for (const restored of circuits) {
      const circuit = this.circuits.get(restored.name);
      if (circuit === undefined) this.pendingSnapshots.set(restored.name, restored);
      else circuit.restore(restored);
    }
  }

  /** Names of the circuits that reject calls now: open or forced open. */
  openCircuits(): string[] {
    return this.all()
      .filter(({ state }) => state === CircuitState.Open || state === CircuitState.ForcedOpen)
      .map(({ name }) => name);
  }

  /** @throws UnknownCircuitError (404) when no circuit has that name; likewise the commands below. */
  reset(name: string): void {
    this.require(name).reset();
  }

  resetAll(): void {
    for (const circuit of this.circuits.values()) circuit.reset();
  }

  forceOpen(name: string): void {
    this.require(name).forceOpen();
  }

  disable(name: string): void {
    this.require(name).disable();
  }

  release(name: string): void {
    this.require(name).release();
  }

  onApplicationShutdown(): void {
    for (const name of this.names()) this.remove(name);
    this.attachments.clear();
    this.pendingSnapshots.clear();
    this.changes.complete();
    this.builtCircuits.complete();
  }

  private detach(attachment: CircuitAttachment): void {
    const detachers = this.attachments.get(attachment);
    this.attachments.delete(attachment);
    for (const detach of detachers?.values() ?? []) undo(detach);
  }

  private require(name: string): Circuit {
    const circuit = this.circuits.get(name);
    if (circuit === undefined) throw new UnknownCircuitError(name);
    return circuit;
  }
}

function attachTo(
  circuit: Circuit,
  attachment: CircuitAttachment,
  detachers: Map<Circuit, () => void>,
): void {
  let detach: (() => void) | void;
  try {
    detach = attachment(circuit);
  } catch (error) {
    reportCallbackError(error, 'A CircuitBreakerRegistry attachment');
    return;
  }
  if (typeof detach === 'function') detachers.set(circuit, detach);
}

function undo(detach: () => void): void {
  try {
    detach();
  } catch (error) {
    reportCallbackError(error, 'A CircuitBreakerRegistry attachment');
  }
}

/** `options` less its `retry`: a route circuit's, when its handler must not run twice. */
function withoutRetry(options: ResolvedCircuitOptions): CircuitOptions {
  const { retry: _retry, ...rest } = options;
  return rest;
}
