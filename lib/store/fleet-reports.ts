import type { FleetCounts, FleetMember } from './circuit-store.interface.js';

/** What a replica's circuit did since its last report. */
export interface FleetDelta {
  readonly calls: number;
  readonly outcomes: number;
  readonly failures: number;
}

/**
 * A store's batched reports of calls: every `intervalMs`, for each watched circuit that had calls
 * since, its counter deltas go to `send` (one command each). Counters are read off the circuits
 * then, so a call's path gains nothing, and a replica's traffic to the store per circuit is
 * bounded whatever its call rate. One unref()ed timer per store, only while it watches a circuit.
 */
export class FleetReports {
  private readonly watched = new Map<FleetMember, FleetCounts>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly intervalMs: number,
    private readonly send: (member: FleetMember, delta: FleetDelta) => void,
  ) {}

  watch(member: FleetMember): () => void {
    this.watched.set(member, readCounts(member));
    if (this.timer === undefined) {
      this.timer = setInterval(() => this.flush(), this.intervalMs);
      this.timer.unref();
    }
    return () => {
      this.watched.delete(member);
      if (this.watched.size === 0) {
        clearInterval(this.timer);
        this.timer = undefined;
      }
    };
  }

  /** Sends each watched circuit's deltas, when it had calls. */
  flush(): void {
    for (const [member, last] of this.watched) {
      const now = readCounts(member);
      // A counter lower than last time: the circuit was reset, its counts start from 0.
      const base = now.calls < last.calls ? NO_COUNTS : last;
      const delta = {
        calls: now.calls - base.calls,
        outcomes: Math.max(0, now.outcomes - base.outcomes),
        failures: Math.max(0, now.failures - base.failures),
      };
      this.watched.set(member, now);
      if (delta.calls > 0) this.send(member, delta);
    }
  }
}

const NO_COUNTS: FleetCounts = { calls: 0, outcomes: 0, failures: 0 };

/** The member's counts, or none when its `counts()` throws (a store's user code): nothing reported. */
function readCounts(member: FleetMember): FleetCounts {
  try {
    return member.counts();
  } catch {
    return NO_COUNTS;
  }
}
