import { engineBench } from './engine-cases.js';
import {
  formatNs,
  formatRatio,
  median,
  medianRatio,
  printTable,
  timeInterleaved,
} from './measure.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 15);

async function main(): Promise<void> {
  console.log(`node ${process.version}, ${ROUNDS} interleaved rounds, medians\n`);
  const engine = await engineBench();
  // BENCH_ONLY=a,b keeps the cases whose names contain one of those words (for quick looks).
  const only = process.env.BENCH_ONLY?.split(',');
  engine.cases = engine.cases.filter(
    (c) => !only || c.name.startsWith('bare') || only.some((w) => c.name.includes(w)),
  );
  engine.comparisons = engine.comparisons.filter(
    (c) =>
      engine.cases.some((k) => k.name === c.ours) && engine.cases.some((k) => k.name === c.peer),
  );
  const times = await timeInterleaved(engine.cases, ROUNDS, Number(process.env.BENCH_MS ?? 100));
  engine.teardown();
  const bare = 'bare await fn()';
  printTable(
    ['per call', 'median', 'x bare'],
    engine.cases.map((c) => [
      c.name,
      formatNs(median(times.get(c.name)!)),
      formatRatio(medianRatio(times, c.name, bare)),
    ]),
  );
  console.log();
  printTable(
    ['ours vs peer', 'ratio', 'target', ''],
    engine.comparisons.map(({ ours, peer, target }) => {
      const ratio = medianRatio(times, ours, peer);
      return [
        `${ours} / ${peer}`,
        formatRatio(ratio),
        `≤ ${formatRatio(target)}`,
        ratio <= target ? 'met' : 'MISSED',
      ];
    }),
  );
}

await main();
