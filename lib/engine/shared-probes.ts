/**
 * Hands out half-open probe permits shared by every replica of a circuit, so that together they
 * send at most `halfOpenMaxCalls` probes (a shared store, such as Redis, implements it).
 */
export interface ProbePermits {
  /**
   * Asks for one of the `max` permits of the half-open period that began at `openUntil` (epoch
   * milliseconds), held for at most `leaseMs`: true when granted, false when other replicas hold
   * them all. A store that cannot answer rejects, and the circuit falls back to its own permits.
   * A store that answers at once (in memory) may answer synchronously.
   */
  acquire(
    circuit: string,
    openUntil: number,
    max: number,
    leaseMs: number,
  ): boolean | Promise<boolean>;
}

/**
 * One circuit's share of the probe permits in its current half-open period. Asking is
 * asynchronous and calls must not wait for it: a would-be probe that finds no permit is
 * rejected, and the permit, once granted, serves the next one.
 */
export class SharedProbes {
  private granted = 0;
  private asking = false;
  /** The half-open period the permits belong to: the `openUntil` it began at. */
  private period = Number.NaN;
  /** After a refusal: when to ask again, in case the holder went away with its permit. */
  private askAgainAt = 0;

  constructor(private readonly permits: ProbePermits) {}

  /**
   * Permits held for the period that began at `openUntil`. When `inFlight` probes use them all,
   * asks for one more, held for `leaseMs` (as long as a probe may run), unless it is asking
   * already or was refused within `retryMs`.
   */
  held(
    circuit: string,
    openUntil: number,
    max: number,
    inFlight: number,
    now: number,
    retryMs: number,
    leaseMs: number,
  ): number {
    if (openUntil !== this.period) {
      this.period = openUntil;
      this.granted = 0;
      this.asking = false;
      this.askAgainAt = 0;
    }
    if (inFlight >= this.granted && !this.asking && this.granted < max && now >= this.askAgainAt) {
      this.asking = true;
      const granted = (answer: boolean) => {
        if (this.period !== openUntil) return;
        this.asking = false;
        if (answer) this.granted++;
        else this.askAgainAt = now + retryMs;
      };
      const unanswered = () => {
        if (this.period !== openUntil) return;
        this.asking = false;
        this.granted = max; // the store cannot answer: this replica's own permits
      };
      try {
        const answer = this.permits.acquire(circuit, openUntil, max, leaseMs);
        if (typeof answer === 'boolean') granted(answer);
        else answer.then(granted, unanswered);
      } catch {
        unanswered();
      }
    }
    return this.granted;
  }
}
