import { BadRequestException } from '@nestjs/common';
import type { Circuit } from '../engine/circuit.js';
import type { CircuitStats } from '../engine/circuit-stats.js';

/**
 * The most circuits one answer lists: `GET /` pages through the rest with `offset` and `limit`,
 * and the event stream's `stats` snapshots cover the first ones. An application with many
 * circuits still gets small, quick answers.
 */
export const MAX_LISTED_CIRCUITS = 1_000;

/** A page of the circuits: where it starts and how many it holds at most. */
interface CircuitPage {
  offset: number;
  limit: number;
}

/** `offset` and `limit` from a query string: whole numbers, `limit` at most 1,000 (its default). */
export function parsePage(offset: unknown, limit: unknown): CircuitPage {
  return {
    offset: whole('offset', offset, 0, Number.MAX_SAFE_INTEGER, 0),
    limit: whole('limit', limit, 1, MAX_LISTED_CIRCUITS, MAX_LISTED_CIRCUITS),
  };
}

/** The stats of the circuits on `page`. */
export function statsOf(circuits: Circuit[], { offset, limit }: CircuitPage): CircuitStats[] {
  return circuits.slice(offset, offset + limit).map((circuit) => circuit.stats());
}

function whole(name: string, given: unknown, min: number, max: number, fallback: number): number {
  if (given === undefined) return fallback;
  const value = typeof given === 'string' && /^\d{1,16}$/.test(given) ? Number(given) : NaN;
  if (!(value >= min && value <= max)) {
    throw new BadRequestException(`${name} must be a whole number from ${min} to ${max}`);
  }
  return value;
}
