import type { CircuitBreakerRegistry } from '../core/circuit-breaker.registry.js';
import { MAX_LISTED_CIRCUITS, statsOf } from './circuit-list.js';

/** What the event stream's frames are made of, for one flush to every client. */
export interface FrameSource {
  /** The first 1,000 circuits' stats, serialized. */
  list(): string;
  /** One circuit's stats, serialized; `undefined` once the registry no longer has it. */
  circuit(name: string): string | undefined;
}

/**
 * The circuits' stats as the event stream sends them: read and serialized once per flush,
 * however many clients are sent them. It also remembers each listed circuit's stats as of the
 * last periodic check, so that the check finds the circuits whose figures moved, and the
 * stream sends only those.
 */
export class CircuitFrames {
  private readonly checked = new Map<string, string>();

  constructor(private readonly registry: CircuitBreakerRegistry) {}

  /** A view for one flush: each circuit read and serialized at most once. */
  forFlush(): FrameSource {
    const read = new Map<string, string | undefined>();
    let list: string | undefined;
    return {
      list: () => (list ??= JSON.stringify(this.listed())),
      circuit: (name) => {
        if (!read.has(name)) read.set(name, this.serialize(name));
        return read.get(name);
      },
    };
  }

  /**
   * The listed circuits whose stats differ from the last check's (or that are new to it), and
   * the circuits it saw that the registry has since forgotten.
   */
  moved(): string[] {
    const moved: string[] = [];
    const seen = new Set<string>();
    for (const stats of this.listed()) {
      seen.add(stats.name);
      const frame = JSON.stringify(stats);
      if (this.checked.get(stats.name) === frame) continue;
      this.checked.set(stats.name, frame);
      moved.push(stats.name);
    }
    for (const name of this.checked.keys()) {
      if (seen.has(name)) continue;
      this.checked.delete(name);
      if (!this.registry.has(name)) moved.push(name);
    }
    return moved;
  }

  private listed() {
    return statsOf(this.registry.all(), { offset: 0, limit: MAX_LISTED_CIRCUITS });
  }

  private serialize(name: string): string | undefined {
    const circuit = this.registry.get(name);
    return circuit === undefined ? undefined : JSON.stringify(circuit.stats());
  }
}
