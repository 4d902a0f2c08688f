/** Where the admin API is mounted unless `admin.path` says otherwise. */
export const DEFAULT_ADMIN_PATH = 'circuit-breakers';

/** How often the admin event stream sends every circuit's stats unless told otherwise. */
export const DEFAULT_STATS_INTERVAL_MS = 1_000;

/** The circuit names the admin API accepts in a URL; any other answers 400. */
export const ADMIN_CIRCUIT_NAME = /^[\w.:-]{1,128}$/;

/** The resolved admin options, for the admin providers. */
export const CIRCUIT_BREAKER_ADMIN_OPTIONS = Symbol('CIRCUIT_BREAKER_ADMIN_OPTIONS');
