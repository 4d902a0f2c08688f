import type { CircuitStats } from 'nestjs-circuit-breaker';

/**
 * One state change seen by polling `GET /circuits`. A poll may miss a short-lived state (a
 * half-open probe lasts one call), so `path` is every state passed through, inferred from the
 * legal transitions: `open → half_open → closed` is a probe that succeeded. `at` is the
 * circuit's own `lastStateChangeAt`, so the time is exact even though the poll came later.
 */
export interface ObservedChange {
  circuit: string;
  from: string;
  to: string;
  /** The states after `from`, ending with `to`. */
  path: string[];
  /** Epoch milliseconds of the last step. */
  at: number;
}

// How a circuit moves on its own (forced_open, disabled and reset come only from an operator).
const NEXT: Readonly<Record<string, readonly string[]>> = {
  closed: ['open'],
  open: ['half_open'],
  half_open: ['closed', 'open'],
};

/** The shortest sequence of states (at least one) leading from `from` to `to`. */
export function inferPath(from: string, to: string): string[] {
  const queue: string[][] = (NEXT[from] ?? []).map((state) => [state]);
  const seen = new Set<string>();
  while (queue.length > 0) {
    const path = queue.shift()!;
    const last = path[path.length - 1];
    if (last === to) return path;
    if (seen.has(last)) continue;
    seen.add(last);
    for (const next of NEXT[last] ?? []) queue.push([...path, next]);
  }
  return [to]; // Set by hand: straight there.
}

/** Reads `GET /circuits` every few milliseconds and reports each state change once. */
export class CircuitWatcher {
  /** The latest stats of every circuit, in the order the app lists them. */
  latest: CircuitStats[] = [];
  readonly changes: ObservedChange[] = [];
  private timer: NodeJS.Timeout | undefined;
  private polling: Promise<void> | undefined;

  constructor(
    private readonly ordersUrl: string,
    private readonly onChange: (change: ObservedChange) => void = () => {},
  ) {}

  get names(): string[] {
    return this.latest.map((stats) => stats.name);
  }

  state(name: string): string | undefined {
    return this.latest.find((stats) => stats.name === name)?.state;
  }

  /** Polls until `stop()`; a failed read is skipped (the next one catches up). */
  start(everyMs: number): void {
    this.timer = setInterval(() => void this.poll().catch(() => {}), everyMs);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.polling;
  }

  /** One read; concurrent calls share it. Throws if the app does not answer. */
  poll(): Promise<void> {
    this.polling ??= this.read().finally(() => (this.polling = undefined));
    return this.polling;
  }

  private async read(): Promise<void> {
    const response = await fetch(`${this.ordersUrl}/circuits`, {
      signal: AbortSignal.timeout(2_000),
    });
    if (!response.ok) throw new Error(`GET /circuits answered ${response.status}`);
    const next = (await response.json()) as CircuitStats[];
    for (const stats of next) {
      const before = this.latest.find((old) => old.name === stats.name);
      if (before === undefined) continue;
      if (before.state === stats.state && before.lastStateChangeAt === stats.lastStateChangeAt)
        continue;
      const change: ObservedChange = {
        circuit: stats.name,
        from: before.state,
        to: stats.state,
        path: inferPath(before.state, stats.state),
        at: Date.parse(stats.lastStateChangeAt),
      };
      this.changes.push(change);
      this.onChange(change);
    }
    this.latest = next;
  }
}
