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

/** Beyond this, a backoff step is not worked out exactly (see `longestBackoffStep`). */
const MOST_EXACT_STEPS = 2 ** 32;

/**
 * The backoff step at which the open duration reaches the cap: failed probes past it change
 * nothing, so the circuit counts no further, and a snapshot's step beyond it is no circuit's
 * with these options. 0 when nothing backs off (a multiplier of 1, or no open duration).
 */
export function longestBackoffStep(options: ResolvedCircuitOptions): number {
  const { resetTimeoutMs, backoffMultiplier } = options;
  const cap = longestOpenMs(options);
  if (resetTimeoutMs === 0 || backoffMultiplier === 1) return 0;
  const reaches = (step: number) => resetTimeoutMs * backoffMultiplier ** step >= cap;
  // The logarithm gives it within a step; the power, as openDurationMs works it out, settles it.
  let step = Math.max(0, Math.ceil(Math.log(cap / resetTimeoutMs) / Math.log(backoffMultiplier)));
  // A multiplier within a hair of 1 (1 + 2^-52) reaches the cap only after some 10^17 steps,
  // where a double no longer counts one by one: no circuit fails that many probes, so its count
  // is never stopped.
  if (step > MOST_EXACT_STEPS) return Number.MAX_SAFE_INTEGER;
  while (step > 0 && reaches(step - 1)) step--;
  while (!reaches(step)) step++;
  return step;
}
