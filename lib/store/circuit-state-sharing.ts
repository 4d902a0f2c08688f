import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import type { Subscription } from 'rxjs';
import type { Circuit } from '../engine/circuit.js';
import { isSharedCircuitState } from '../engine/circuit-state.js';
import type { CircuitBreakerModuleOptions } from '../nest/circuit-breaker-options.interface.js';
import { CIRCUIT_BREAKER_MODULE_OPTIONS } from '../nest/circuit-breaker.module-definition.js';
import { CircuitBreakerRegistry } from '../nest/circuit-breaker.registry.js';
import type { CircuitStore, SharedStateRecord } from './circuit-store.interface.js';

/**
 * Connects every circuit of the registry to the module's `store`, when there is one: each state
 * a circuit takes here is saved, each state saved elsewhere is adopted (newest version wins),
 * a circuit resumes from the store's record when it is built, and half-open probe permits come
 * from the store. Without a store this does nothing.
 */
@Injectable()
export class CircuitStateSharing implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('CircuitBreakerStore');
  private readonly store: CircuitStore | undefined;
  private readonly versions = new Map<string, number>();
  private readonly detachers: Array<() => void> = [];
  private created: Subscription | undefined;
  private readonly changed = (record: SharedStateRecord): void => this.adopt(record);

  constructor(
    @Inject(CIRCUIT_BREAKER_MODULE_OPTIONS) { store }: CircuitBreakerModuleOptions,
    private readonly circuits: CircuitBreakerRegistry,
  ) {
    this.store = store;
  }

  async onModuleInit(): Promise<void> {
    const store = this.store;
    if (store === undefined) return;
    this.circuits.all().forEach((circuit) => this.attach(store, circuit));
    this.created = this.circuits.created$.subscribe((circuit) => this.attach(store, circuit));
    try {
      await store.connect(this.changed);
    } catch (error) {
      // Start anyway, on local state: the store resynchronizes when its backend is back.
      this.logger.warn(`store unavailable at start-up, circuits use local state: ${error}`);
    }
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.store === undefined) return;
    this.created?.unsubscribe();
    this.detachers.splice(0).forEach((detach) => detach());
    await this.store.disconnect(this.changed);
  }

  private attach(store: CircuitStore, circuit: Circuit): void {
    circuit.shareProbePermits(store);
    const unsubscribe = circuit.subscribe(({ to, reason }) => {
      // A state adopted from the store is not sent back; half-open is each replica's own.
      if (reason === 'shared' || !isSharedCircuitState(to)) return;
      store.save(circuit.name, to, Math.round(circuit.openUntilEpoch));
    });
    this.detachers.push(() => {
      unsubscribe();
      circuit.shareProbePermits(undefined);
    });
    store.load(circuit.name).then(
      (record) => record && this.adopt(record),
      () => {}, // the store logs its own outages; the circuit starts from its local state
    );
  }

  private adopt(record: SharedStateRecord): void {
    const circuit = this.circuits.get(record.circuit);
    if (circuit === undefined) return;
    if (record.version <= (this.versions.get(record.circuit) ?? 0)) return;
    this.versions.set(record.circuit, record.version);
    circuit.adoptSharedState(record.state, record.openUntil);
  }
}
