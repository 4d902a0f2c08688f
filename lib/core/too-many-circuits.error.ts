/**
 * The registry holds `maxCircuits` circuits already. Circuit names are a fixed set chosen in
 * code: a name built from request data (a user id, a URL) would grow the registry, the metrics
 * and the admin API without bound.
 */
export class TooManyCircuitsError extends Error {
  constructor(
    /** The name of the circuit that was not built. */
    readonly circuit: string,
    readonly maxCircuits: number,
  ) {
    super(
      `Cannot build circuit "${circuit.slice(0, 128)}": the registry holds maxCircuits (${maxCircuits}) circuits already. ` +
        'Circuit names must never come from request data; if yours are a fixed set, raise CircuitBreakerModule.forRoot({ maxCircuits }).',
    );
    this.name = 'TooManyCircuitsError';
  }
}
