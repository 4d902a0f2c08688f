import { Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type {
  CircuitAttachment,
  CircuitBreakerRegistry,
} from '../core/circuit-breaker.registry.js';

/** What both exporters are to their NestJS provider: an attachment to every circuit, and an end. */
export interface MetricsExporter {
  readonly attach: CircuitAttachment;
  /** Takes the exporter's instruments or series away. */
  close(): void;
}

/**
 * The NestJS provider of one exporter, when its module option asks for it: at module init it
 * builds the exporter (`create`, which loads the optional peer) and attaches it to every
 * circuit; at shutdown it detaches and closes it. Without options it does nothing, and the peer
 * is never loaded.
 *
 * Each subclass keeps its own `@Injectable()` constructor: Nest reads the injections from the
 * class it builds, not from this one.
 */
export abstract class MetricsExporterProvider<Options>
  implements OnModuleInit, OnApplicationShutdown
{
  private readonly logger: Logger;
  private detach: (() => void) | undefined;

  /**
   * `name` is the logger's context; `options` are the resolved ones, or `undefined` when the
   * module's option is not given.
   */
  protected constructor(
    name: string,
    private readonly circuits: CircuitBreakerRegistry,
    private readonly options: Options | undefined,
  ) {
    this.logger = new Logger(name);
  }

  /** Loads the peer and builds the exporter; `warn` goes to this provider's logger. */
  protected abstract create(
    options: Options,
    warn: (message: string) => void,
  ): Promise<MetricsExporter>;

  async onModuleInit(): Promise<void> {
    if (this.options === undefined) return;
    const exporter = await this.create(this.options, (message) => this.logger.warn(message));
    this.detach = attachExporter(this.circuits, exporter);
  }

  onApplicationShutdown(): void {
    this.detach?.();
    this.detach = undefined;
  }
}

/** Attaches `exporter` to every circuit; returns what detaches and closes it. */
function attachExporter(circuits: CircuitBreakerRegistry, exporter: MetricsExporter): () => void {
  const detach = circuits.attach(exporter.attach);
  return () => {
    detach();
    exporter.close();
  };
}
