import { startVerdictTimeout } from './after-pending-io.js';

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
  /**
   * Gives back `count` permits of that period that no probe used, for another replica to take.
   * Optional: without it, a permit comes back when its lease ends.
   */
  release?(circuit: string, openUntil: number, count: number): void | Promise<void>;
}

/**
 * How long a call that may probe waits for the store's answer at most, and how long a permit
 * may go unused (no probe in flight with it) before it is given back: the claim window.
 */
export const PERMIT_WAIT_MS = 1_000;

/**
 * One circuit's share of the probe permits in its current half-open period. A call that may
 * probe waits for the store's answer (milliseconds: `answer`) and runs as the probe when a permit
 * is granted; a permit no probe of this replica uses within the claim window goes back, so
 * that a replica whose traffic stopped does not keep the others from probing.
 */
export class SharedProbes {
  private granted = 0;
  /** The ask under way, settled once it is answered (or has waited PERMIT_WAIT_MS). */
  private asking: Promise<void> | undefined;
  /** The half-open period the permits belong to: the `openUntil` it began at. */
  private period = Number.NaN;
  /** After a refusal: when to ask again, in case the holder went away with its permit. */
  private askAgainAt = 0;
  /** The store could not answer: these are this replica's own permits, not the store's. */
  private local = false;
  private claimCheck: ReturnType<typeof setTimeout> | undefined;

  /**
   * @param inFlight the probes of this replica's circuit in flight, or -1 when it is not
   *   half-open (its permits matter no more).
   */
  constructor(
    private readonly permits: ProbePermits,
    private readonly inFlight: () => number,
  ) {}

  /** The store's answer being waited for, if any: a call that may probe waits, then looks again. */
  get answer(): Promise<void> | undefined {
    return this.asking;
  }

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
      this.asking = undefined;
      this.askAgainAt = 0;
      this.local = false;
      clearTimeout(this.claimCheck);
      this.claimCheck = undefined;
    }
    if (
      inFlight >= this.granted &&
      this.asking === undefined &&
      this.granted < max &&
      now >= this.askAgainAt
    ) {
      this.ask(circuit, openUntil, max, now + retryMs, leaseMs);
    }
    return this.granted;
  }

  private ask(
    circuit: string,
    openUntil: number,
    max: number,
    askAgainAt: number,
    leaseMs: number,
  ): void {
    // true or false: the store's answer; undefined: none (this replica's own permits then).
    const answered = (answer: boolean | undefined) => {
      if (this.period !== openUntil) return;
      this.asking = undefined;
      if (answer === undefined) {
        this.granted = max;
        this.local = true;
      } else if (answer) {
        this.granted++;
        this.watchClaims(circuit, openUntil);
      } else this.askAgainAt = askAgainAt;
    };
    let answer: boolean | Promise<boolean>;
    try {
      answer = this.permits.acquire(circuit, openUntil, max, leaseMs);
    } catch {
      return answered(undefined);
    }
    if (typeof answer === 'boolean') return answered(answer);
    let late = false;
    let stopWaiting: (() => void) | undefined;
    // Judged after the turn's I/O: an answer that came while the process stalled is taken.
    const waited = new Promise<undefined>((resolve) => {
      stopWaiting = startVerdictTimeout(() => ((late = true), resolve(undefined)), PERMIT_WAIT_MS);
    });
    const given = Promise.resolve(answer).then(
      (granted) => {
        // Granted after this replica stopped waiting: nobody takes it here, so it goes back.
        if (late && granted === true) this.giveBack(circuit, openUntil, 1);
        return granted === true;
      },
      () => undefined,
    );
    this.asking = Promise.race([given, waited]).then((result) => {
      stopWaiting!();
      answered(result);
    });
  }

  /** Each claim window while permits are held, gives back those no probe of this replica uses. */
  private watchClaims(circuit: string, openUntil: number): void {
    if (this.claimCheck !== undefined) return;
    this.claimCheck = setTimeout(() => {
      this.claimCheck = undefined;
      const inFlight = this.inFlight();
      if (this.period !== openUntil || this.local || inFlight < 0) return;
      if (inFlight < this.granted) {
        this.giveBack(circuit, openUntil, this.granted - inFlight);
        this.granted = inFlight;
      }
      if (this.granted > 0) this.watchClaims(circuit, openUntil);
    }, PERMIT_WAIT_MS);
    (this.claimCheck as { unref?: () => void }).unref?.();
  }

  private giveBack(circuit: string, openUntil: number, count: number): void {
    try {
      void Promise.resolve(this.permits.release?.(circuit, openUntil, count)).catch(() => {});
    } catch {
      // a store that cannot take it back: the permit's lease ends it
    }
  }
}
