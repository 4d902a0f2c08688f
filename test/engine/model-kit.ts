// What the engine's model tests share: cheap comparisons, the stats they read, the fake clock.
// Not a spec itself. Each model stays its own, written from its own document.
import { jest } from '@jest/globals';
import { isDeepStrictEqual } from 'node:util';
import type { Circuit, CircuitStats } from '../../lib/index.js';

/** The system under test of a model test. */
export interface Real {
  circuit: Circuit;
}

// Jest's expect() costs several microseconds a call, most of the run time here: compare
// cheaply, and let expect() report a difference.
export function agree(actual: unknown, expected: unknown): void {
  if (!isDeepStrictEqual(actual, expected)) expect(actual).toEqual(expected);
}

export function same(actual: unknown, expected: unknown): void {
  if (actual !== expected) expect(actual).toBe(expected);
}

export function isA(actual: unknown, type: new (...args: never[]) => unknown): void {
  if (!(actual instanceof type)) expect(actual).toBeInstanceOf(type);
}

/** An epoch time as stats show it. */
export const iso = (time: number | null) => (time === null ? null : new Date(time).toISOString());

/** The circuit's stats agree with `expected` in every field it names. */
export function expectStats(circuit: Circuit, expected: Partial<CircuitStats>): void {
  const stats = circuit.stats();
  const actual = Object.fromEntries(Object.keys(expected).map((key) => [key, stats[key as never]]));
  agree(actual, expected);
}

/** Moves the fake clock on, running the timers and promise reactions due meanwhile. */
export async function advanceBy(ms: number): Promise<void> {
  if (ms > 0) await jest.advanceTimersByTimeAsync(ms);
}
