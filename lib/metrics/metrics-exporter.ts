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
 * Loads the optional peer an option needs (prom-client, @opentelemetry/api), or stops start-up
 * saying how to install it.
 */
export async function loadPeer<T>(
  option: string,
  peer: string,
  load: () => Promise<T>,
): Promise<T> {
  try {
    return await load();
  } catch (error) {
    throw new Error(
      `CircuitBreakerModule: the ${option} option needs ${peer}; install it: npm install ${peer}`,
      { cause: error },
    );
  }
}

/** Attaches `exporter` to every circuit; returns what detaches and closes it. */
export function attachExporter(
  circuits: CircuitBreakerRegistry,
  exporter: MetricsExporter,
): () => void {
  const detach = circuits.attach(exporter.attach);
  return () => {
    detach();
    exporter.close();
  };
}
