import { measure } from 'mitata';

/** One thing to time: `run` performs `callsPerRun` calls of it. */
export interface BenchCase {
  readonly name: string;
  readonly run: () => unknown;
  readonly callsPerRun: number;
}

/** A ratio to report: `ours` / `peer`, per round, median; with the target the issues set, if any. */
export interface Comparison {
  readonly ours: string;
  readonly peer: string;
  readonly target?: number;
}

/** Cases timed together, and the ratios between them to report. */
export interface CaseGroup {
  cases: BenchCase[];
  comparisons: Comparison[];
}

/** Per case, nanoseconds per call in each round. */
export type RoundTimes = Map<string, number[]>;

/**
 * Times every case in `rounds` interleaved rounds (A B C … A B C …), so that a drift of the
 * machine touches all of them alike. Each sample is mitata's median for one round.
 */
export async function timeInterleaved(
  cases: readonly BenchCase[],
  rounds: number,
  minCpuTimeMs = 100,
): Promise<RoundTimes> {
  const times: RoundTimes = new Map(cases.map((c) => [c.name, []]));
  for (let round = 0; round < rounds; round++) {
    for (const c of cases) {
      const stats = await measure(c.run, { min_cpu_time: minCpuTimeMs * 1e6, batch_samples: 256 });
      times.get(c.name)!.push(stats.p50 / c.callsPerRun);
    }
  }
  return times;
}

/** The median over rounds of a's time over b's time in the same round: steadier than a ratio of medians. */
export function medianRatio(times: RoundTimes, a: string, b: string): number {
  const bs = times.get(b)!;
  return median(times.get(a)!.map((t, round) => t / bs[round]));
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

// Each loop is compiled on its own (new Function), so that V8 keeps separate type feedback per
// case: loops sharing one function literal would see every case's call and slow down together.
const compileLoop = (body: string) =>
  new Function(
    'call',
    'calls',
    `return async () => { for (let i = 0; i < calls; i++) { ${body} } };`,
  ) as (call: () => unknown, calls: number) => () => Promise<void>;

export const CALLS_PER_RUN = 100;
export const BARE = 'bare await fn()';
/** The dependency call every per-call case makes. */
export const work = async (): Promise<number> => 1;

/** A case of `CALLS_PER_RUN` sequential awaits of `call()`. */
export function loopCase(name: string, call: () => unknown): BenchCase {
  return { name, run: awaitLoop(CALLS_PER_RUN, call), callsPerRun: CALLS_PER_RUN };
}

/** The reference every table divides by. */
export const bareCase = (): BenchCase => loopCase(BARE, work);

/**
 * Times `group` interleaved (BENCH_ONLY=word,word keeps the cases whose names hold a word) and
 * prints the per-call table and the ratios against their targets.
 */
export async function perCallReport(title: string, group: CaseGroup): Promise<void> {
  const rounds = Number(process.env.BENCH_ROUNDS ?? 15);
  const only = process.env.BENCH_ONLY?.split(',');
  const cases = group.cases.filter(
    (c) => !only || c.name === BARE || only.some((word) => c.name.includes(word)),
  );
  const comparisons = group.comparisons.filter(({ ours, peer }) =>
    [ours, peer].every((name) => cases.some((c) => c.name === name)),
  );
  const times = await timeInterleaved(cases, rounds, Number(process.env.BENCH_MS ?? 100));
  console.log(`\n${title} (node ${process.version}, ${rounds} interleaved rounds, medians)`);
  printTable(
    ['per call', 'median', 'x bare'],
    cases.map((c) => [
      c.name,
      formatNs(median(times.get(c.name)!)),
      formatRatio(medianRatio(times, c.name, BARE)),
    ]),
  );
  if (comparisons.length === 0) return;
  console.log();
  printTable(
    ['ours vs reference', 'ratio', 'target', ''],
    comparisons.map(({ ours, peer, target }) => {
      const ratio = medianRatio(times, ours, peer);
      if (target === undefined) return [`${ours} / ${peer}`, formatRatio(ratio), '', ''];
      return [
        `${ours} / ${peer}`,
        formatRatio(ratio),
        `≤ ${formatRatio(target)}`,
        ratio <= target ? 'met' : 'MISSED',
      ];
    }),
  );
}

/** `calls` sequential awaits of `call()` as one run: the loop amortises the harness's own cost. */
export function awaitLoop(calls: number, call: () => unknown): () => Promise<void> {
  return compileLoop('await call();')(call, calls);
}

/** Like `awaitLoop`, for calls that reject: each rejection is caught. */
export function rejectLoop(calls: number, call: () => unknown): () => Promise<void> {
  return compileLoop('try { await call(); } catch {}')(call, calls);
}

/** Prints rows as an aligned text table. */
export function printTable(
  header: readonly string[],
  rows: ReadonlyArray<readonly string[]>,
): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i])))
      .join('  ');
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const row of rows) console.log(line(row));
}

export const formatNs = (ns: number): string =>
  ns >= 1000 ? `${(ns / 1000).toFixed(2)} µs` : `${ns.toFixed(1)} ns`;
export const formatRatio = (ratio: number): string => `${ratio.toFixed(2)}x`;
