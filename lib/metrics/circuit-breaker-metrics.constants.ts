/** The route `metrics.path` mounted, provided only when `forRoot()` mounted one. */
export const CIRCUIT_BREAKER_METRICS_ROUTE = Symbol('CIRCUIT_BREAKER_METRICS_ROUTE');
