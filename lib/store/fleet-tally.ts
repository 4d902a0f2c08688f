import type { FleetMember } from './circuit-store.interface.js';
import { quorumOf, type ResolvedFleetOptions } from './fleet-options.js';
import type { FleetDelta } from './fleet-reports.js';

/** How many buckets a circuit's window is counted in, for the fleet failure rate. */
export const FLEET_BUCKETS = 10;

/**
 * One circuit's fleet evidence, in memory: the replicas active and those that tripped within the
 * window, and (for `decide: 'rate'`) every replica's outcomes per bucket. The same rules as the
 * Redis store's FLEET_SCRIPT; it answers whether the circuit opens for every replica.
 */
export class FleetTally {
  private readonly active = new Map<string, number>();
  private readonly votes = new Map<string, number>();
  private readonly buckets = new Map<number, { outcomes: number; failures: number }>();

  constructor(private readonly options: ResolvedFleetOptions) {}

  /** A trip of `member`'s replica at `now`: whether the circuit now opens for all. */
  vote(member: FleetMember, now: number): boolean {
    this.seen(member, now);
    this.votes.set(member.replica, now);
    dropBefore(this.votes, now - member.windowMs);
    return this.votes.size >= quorumOf(this.active.size, this.options);
  }

  /** A report of `member`'s calls at `now`: whether the fleet failure rate opens the circuit. */
  report(member: FleetMember, delta: FleetDelta, now: number): boolean {
    this.seen(member, now);
    const { failureRateThreshold, minimumThroughput, windowMs } = member;
    if (this.options.decide !== 'rate' || failureRateThreshold === undefined) return false;
    if (delta.outcomes === 0) return false;
    const bucketMs = Math.max(1, Math.ceil(windowMs / FLEET_BUCKETS));
    const bucket = Math.floor(now / bucketMs);
    const counts = this.buckets.get(bucket) ?? { outcomes: 0, failures: 0 };
    counts.outcomes += delta.outcomes;
    counts.failures += delta.failures;
    this.buckets.set(bucket, counts);
    let outcomes = 0;
    let failures = 0;
    for (const [at, each] of this.buckets) {
      // A bucket that ended before the window began is out of it.
      if ((at + 1) * bucketMs <= now - windowMs) this.buckets.delete(at);
      else {
        outcomes += each.outcomes;
        failures += each.failures;
      }
    }
    return outcomes >= minimumThroughput && failures / outcomes >= failureRateThreshold;
  }

  /** The circuit opened for all: the next opening needs evidence of its own. */
  clear(): void {
    this.votes.clear();
    this.buckets.clear();
  }

  private seen({ replica, windowMs }: FleetMember, now: number): void {
    this.active.set(replica, now);
    dropBefore(this.active, now - windowMs);
  }
}

function dropBefore(times: Map<string, number>, since: number): void {
  for (const [key, at] of times) if (at < since) times.delete(key);
}
