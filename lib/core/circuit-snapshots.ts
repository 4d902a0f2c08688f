import {
  Inject,
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
  type OnModuleInit,
} from '@nestjs/common';
import type { CircuitRegistrySnapshot } from '../engine/circuit-snapshot.js';
import type { CircuitBreakerSnapshotsOptions } from './circuit-breaker-snapshots-options.interface.js';
import { CIRCUIT_BREAKER_OPTIONS } from './circuit-breaker.constants.js';
import { CircuitBreakerRegistry } from './circuit-breaker.registry.js';
import {
  resolveSnapshotsOptions,
  type ResolvedSnapshotsOptions,
} from './resolve-snapshots-options.js';

/**
 * The module's `snapshots`: restores the circuits from `load()` as the application starts, and
 * saves them every `saveIntervalMs` (an unref'd timer: it never keeps a process alive) and once
 * more before the registry lets its circuits go at shutdown. Without the option it does nothing.
 */
@Injectable()
export class CircuitSnapshots
  implements OnModuleInit, OnApplicationBootstrap, BeforeApplicationShutdown
{
  private readonly logger = new Logger('CircuitSnapshots');
  private readonly options: ResolvedSnapshotsOptions | undefined;
  private timer: ReturnType<typeof setInterval> | undefined;
  /** The save running now, if any: saves never overlap. */
  private saving: Promise<void> | undefined;

  constructor(
    @Inject(CIRCUIT_BREAKER_OPTIONS) { snapshots }: { snapshots?: CircuitBreakerSnapshotsOptions },
    private readonly circuits: CircuitBreakerRegistry,
  ) {
    this.options = snapshots === undefined ? undefined : resolveSnapshotsOptions(snapshots);
  }

  /** Before the application serves anything: the circuits it starts with are the restored ones. */
  async onModuleInit(): Promise<void> {
    const load = this.options?.load;
    if (load === undefined) return;
    let snapshot: CircuitRegistrySnapshot | null | undefined;
    try {
      snapshot = await load();
      if (snapshot !== null && snapshot !== undefined) this.circuits.restore(snapshot);
    } catch (error) {
      // A damaged file, another version's snapshot: start closed rather than not start.
      this.logger.warn(`circuit snapshot not restored, circuits start closed: ${String(error)}`);
    }
  }

  onApplicationBootstrap(): void {
    const interval = this.options?.saveIntervalMs;
    if (interval === undefined || interval === 0) return;
    this.timer = setInterval(() => void this.save(), interval);
    this.timer.unref();
  }

  /** Before the registry's own shutdown, which lets the circuits go: the last state is saved. */
  async beforeApplicationShutdown(): Promise<void> {
    if (this.options === undefined) return;
    clearInterval(this.timer);
    this.timer = undefined;
    await this.saving;
    await this.save();
  }

  /** Saves a snapshot now, unless a save is running. Never rejects: a failure is logged. */
  private save(): Promise<void> {
    if (this.saving !== undefined) return this.saving;
    const save = this.options!.save;
    // From a microtask on, so that `saving` is set before anything of it can settle.
    this.saving = Promise.resolve()
      .then(() => save(this.circuits.snapshot()))
      .then(undefined, (error: unknown) => {
        this.logger.warn(`circuit snapshot not saved: ${String(error)}`);
      })
      .finally(() => {
        this.saving = undefined;
      });
    return this.saving;
  }
}
