/**
 * How the replicas of a circuit decide together that it opens for all of them (the store's
 * `fleet` option). A replica's own trip always opens that replica; the fleet opens on fleet
 * evidence only, so that one replica whose path to a dependency is broken never opens the
 * circuit for the healthy ones.
 */
export interface FleetOptions {
  /**
   * `'quorum'` (default): the circuit opens for every replica when enough replicas tripped on
   * their own within its `windowMs` (see `minReplicas` and `ratio`). `'rate'`: also when the
   * failure rate over every replica's calls in the window reaches `failureRateThreshold`, with at
   * least `minimumThroughput` calls (for circuits with a `failureRateThreshold`). A replica that
   * makes most of the calls can then open the circuit for every replica.
   */
  decide?: 'quorum' | 'rate';
  /** Replicas whose own trips it takes, at least, to open the circuit for all. Default 2. */
  minReplicas?: number;
  /** In [0, 1]: the share of the replicas active in the window whose trips it takes. Default 0.5. */
  ratio?: number;
  /** How often a replica reports its calls, per circuit, while it has calls. Default 250 ms. */
  reportIntervalMs?: number;
}

export type ResolvedFleetOptions = Required<FleetOptions>;

export const DEFAULT_FLEET_OPTIONS: ResolvedFleetOptions = Object.freeze({
  decide: 'quorum',
  minReplicas: 2,
  ratio: 0.5,
  reportIntervalMs: 250,
});

/** The longest `reportIntervalMs`: reports are what tell the store which replicas are active. */
const MAX_REPORT_INTERVAL_MS = 60_000;

/**
 * `fleet` with its defaults filled in. `{ minReplicas: 1, ratio: 0 }` lets any one replica's trip
 * open the circuit for every replica, as stores did before fleet decisions.
 * @throws TypeError naming `owner` and the option at fault.
 */
export function resolveFleetOptions(owner: string, fleet: unknown): ResolvedFleetOptions {
  if (fleet === undefined) return DEFAULT_FLEET_OPTIONS;
  const fail = (what: string, value: unknown): never => {
    throw new TypeError(`${owner}: fleet${what}, got ${describe(value)}`);
  };
  if (typeof fleet !== 'object' || fleet === null || Array.isArray(fleet)) {
    fail(' must be an object such as { decide: "quorum", minReplicas: 2, ratio: 0.5 }', fleet);
  }
  const given = fleet as FleetOptions;
  const resolved = { ...DEFAULT_FLEET_OPTIONS };
  for (const [key, value] of Object.entries(given)) {
    if (value === undefined) continue;
    switch (key) {
      case 'decide':
        if (value !== 'quorum' && value !== 'rate')
          fail(`.decide must be 'quorum' or 'rate'`, value);
        resolved.decide = value as 'quorum' | 'rate';
        break;
      case 'minReplicas':
        if (!Number.isSafeInteger(value) || (value as number) < 1)
          fail('.minReplicas must be a whole number ≥ 1', value);
        resolved.minReplicas = value as number;
        break;
      case 'ratio':
        if (typeof value !== 'number' || !(value >= 0 && value <= 1))
          fail('.ratio must be a number from 0 to 1', value);
        resolved.ratio = value as number;
        break;
      case 'reportIntervalMs':
        if (
          !Number.isSafeInteger(value) ||
          (value as number) < 1 ||
          (value as number) > MAX_REPORT_INTERVAL_MS
        )
          fail(
            `.reportIntervalMs must be a whole number of ms from 1 to ${MAX_REPORT_INTERVAL_MS}`,
            value,
          );
        resolved.reportIntervalMs = value as number;
        break;
      default:
        fail(
          ` has no option ${JSON.stringify(key)} (it takes decide, minReplicas, ratio, reportIntervalMs)`,
          value,
        );
    }
  }
  return Object.freeze(resolved);
}

/** How many replicas' trips open the circuit for all, when `active` replicas had calls in the window. */
export function quorumOf(active: number, { minReplicas, ratio }: ResolvedFleetOptions): number {
  // Less a hair: 0.3 × 10 is 3.0000000000000004, whose ceiling would ask one replica too many.
  return Math.max(minReplicas, Math.ceil(ratio * active - 1e-9));
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'object' && value !== null)
    return Array.isArray(value) ? 'an array' : 'an object';
  return String(value);
}
