import type { ResolvedCircuitOptions } from './circuit-options.js';

/**
 * How long the circuit stays open after `failedProbes` probes in a row failed: `resetTimeoutMs`
 * times `backoffMultiplier` per failed probe, capped at `maxResetTimeoutMs` (never below
 * `resetTimeoutMs`), then spread by up to ±`jitter` of itself and capped again. Whole
 * milliseconds.
 */
export function openDurationMs(
  options: ResolvedCircuitOptions,
  failedProbes: number,
  random: () => number = Math.random,
): number {
  const { resetTimeoutMs } = options;
  const cap = longestOpenMs(options);
  // 0 × Infinity (a multiplier's power grown past the largest double) is NaN: 0 it stays.
  const base =
    resetTimeoutMs === 0
      ? 0
      : Math.min(resetTimeoutMs * options.backoffMultiplier ** failedProbes, cap);
  const spread =
    options.jitter === 0 ? base : Math.min(cap, base * (1 + options.jitter * (2 * random() - 1)));
  return Math.round(spread);
}

/** The longest a circuit stays open by itself: `maxResetTimeoutMs`, never below `resetTimeoutMs`. */
export function longestOpenMs(options: ResolvedCircuitOptions): number {
  return Math.max(options.maxResetTimeoutMs, options.resetTimeoutMs);
}
