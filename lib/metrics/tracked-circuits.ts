import type { CallObserver } from '../engine/call-observer.js';
import type { Circuit } from '../engine/circuit.js';
import { CallTally } from './call-tally.js';

/**
 * The circuits one exporter reports, each with its tally, fed through `attach` (a registry
 * attachment): up to `maxCircuits`, each let go when its circuit goes; beyond the cap, one
 * warning. The tally counts every call and state change as it happens; the exporter reads it
 * when it is scraped or collected.
 */
export class TrackedCircuits {
  readonly tallies = new Map<Circuit, CallTally>();
  private warned = false;

  constructor(
    /** The module option that asked for the exporter, as the warning names it. */
    private readonly option: 'metrics' | 'openTelemetry',
    private readonly maxCircuits: number,
    private readonly warn: (message: string) => void,
    /** The duration histogram's buckets, when the tally keeps durations itself. */
    private readonly buckets?: readonly number[],
    /** The call observer that feeds a circuit's tally (by default, the tally alone). */
    private readonly observerFor: (tally: CallTally, circuit: Circuit) => CallObserver = (tally) =>
      tally.record,
  ) {}

  readonly attach = (circuit: Circuit): (() => void) | void => {
    if (this.tallies.size >= this.maxCircuits) return this.refuse(circuit);
    const tally = new CallTally(this.buckets);
    this.tallies.set(circuit, tally);
    const stopObserving = circuit.observeCalls(this.observerFor(tally, circuit));
    const unsubscribe = circuit.subscribe(({ from, to }) => tally.transition(from, to));
    return () => {
      unsubscribe();
      stopObserving();
      this.tallies.delete(circuit);
    };
  };

  private refuse(circuit: Circuit): void {
    if (this.warned) return;
    this.warned = true;
    this.warn(
      `${this.option}: more than ${this.maxCircuits} circuits; "${circuit.name}" and any later ` +
        `ones are not reported (raise ${this.option}.maxCircuits if these names are bounded)`,
    );
  }
}
