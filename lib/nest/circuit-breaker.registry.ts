import {
  Inject,
  Injectable,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { Subject, type Observable } from 'rxjs';
import { Circuit } from '../engine/circuit.js';
import { resolveCircuitOptions, type CircuitOptions } from '../engine/circuit-options.js';
import { CircuitState, type CircuitStateChange } from '../engine/circuit-state.js';
import type { CircuitStats } from '../engine/circuit-stats.js';
import type { CircuitBreakerModuleOptions } from './circuit-breaker-options.interface.js';
import { CIRCUIT_BREAKER_MODULE_OPTIONS } from './circuit-breaker.module-definition.js';
import { UnknownCircuitError } from './unknown-circuit.error.js';

/**
 * Every circuit of the application, by name. Inject it to read or steer circuits; decorated
 * methods get theirs from it once, at start-up.
 */
@Injectable()
export class CircuitBreakerRegistry implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly circuits = new Map<string, Circuit>();
  private readonly changes = new Subject<CircuitStateChange>();

  /** Every state change of every circuit: `{ circuit, from, to, at, reason }`. */
  readonly events$: Observable<CircuitStateChange> = this.changes.asObservable();

  private readonly builtCircuits = new Subject<Circuit>();
  /** Each circuit as the registry builds it (those built before subscribing: `all()`). */
  readonly created$: Observable<Circuit> = this.builtCircuits.asObservable();

  constructor(
    @Inject(CIRCUIT_BREAKER_MODULE_OPTIONS)
    private readonly moduleOptions: CircuitBreakerModuleOptions,
  ) {
    // Bad defaults fail start-up, even if no circuit is built before a call needs one. Each
    // circuits[name] is checked when its circuit is built at start-up, merged with what a
    // decorator gives it (which it may complete: a slowCallRateThreshold for its duration).
    resolveCircuitOptions('defaults', moduleOptions.defaults);
  }

  /**
   * Builds the `circuits[name]` circuits that no decorated method built at start-up: once the
   * decorators have given theirs their options, every configured circuit exists.
   */
  onApplicationBootstrap(): void {
    for (const name of Object.keys(this.moduleOptions.circuits ?? {})) this.getOrCreate(name);
  }

  get(name: string): Circuit | undefined {
    return this.circuits.get(name);
  }

  /**
   * The circuit named `name`, built on first use with, in rising precedence: the built-in
   * defaults, the module's `defaults`, `options`, and the module's `circuits[name]`. A circuit
   * that exists is returned as it is: `options` count only when it is built.
   */
  getOrCreate(name: string, options?: CircuitOptions): Circuit;
  getOrCreate(name: string, options?: CircuitOptions): Circuit {
    let circuit = this.circuits.get(name);
    if (circuit === undefined) {
      const { defaults, circuits } = this.moduleOptions;
      circuit = new Circuit(name, resolveCircuitOptions(name, defaults, options, circuits?.[name]));
      this.circuits.set(name, circuit);
      circuit.subscribe((change) => this.changes.next(change));
      this.builtCircuits.next(circuit);
    }
    return circuit;
  }

  has(name: string): boolean {
    return this.circuits.has(name);
  }

  /**
   * Forgets a circuit and drops its listeners (`events$` no longer hears of it). Methods
   * holding it keep using it; `getOrCreate` builds a new one.
   */
  remove(name: string): boolean {
    const circuit = this.circuits.get(name);
    circuit?.dispose();
    return this.circuits.delete(name);
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
    this.changes.complete();
    this.builtCircuits.complete();
  }

  private require(name: string): Circuit {
    const circuit = this.circuits.get(name);
    if (circuit === undefined) throw new UnknownCircuitError(name);
    return circuit;
  }
}
