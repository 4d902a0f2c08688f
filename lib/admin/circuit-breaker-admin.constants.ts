/** Where the admin API is mounted unless `admin.path` says otherwise. */
export const DEFAULT_ADMIN_PATH = 'circuit-breakers';

/** How often the admin event stream sends the circuits whose figures moved, unless told otherwise. */
export const DEFAULT_STATS_INTERVAL_MS = 1_000;

/** The circuit names the admin API accepts in a URL; any other answers 400. */
export const ADMIN_CIRCUIT_NAME = /^[\w.:-]{1,128}$/;

/** The resolved admin options, for the admin providers. */
export const CIRCUIT_BREAKER_ADMIN_OPTIONS = Symbol('CIRCUIT_BREAKER_ADMIN_OPTIONS');

/**
 * The event stream sends a circuit at most once per this many milliseconds: a burst of changes
 * reaches each client as the circuit's latest state.
 */
export const STREAM_COALESCE_MS = 100;

/**
 * A client that has fallen this many circuits behind (its connection backed up) gets the whole
 * list again rather than a frame per circuit.
 */
export const STREAM_RESYNC_AT = 100;
