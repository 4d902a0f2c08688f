import { decoratorBench } from './decorator-cases.js';
import { engineBench } from './engine-cases.js';
import { httpBench } from './http.js';
import {
  formatNs,
  formatRatio,
  median,
  medianRatio,
  printTable,
  timeInterleaved,
} from './measure.js';
import { memoryBench } from './memory.js';
import { storeBench } from './store-cases.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 15);
const BARE = 'bare await fn()';

/**
 * `npm run bench`: per-call cost (ours, cockatiel, opossum and the decorator, interleaved in one
 * process), retained memory per breaker, then HTTP overhead. BENCH_ONLY=word,word keeps the
 * per-call cases whose names contain one of the words; BENCH_HTTP=0 skips the HTTP part.
 */
async function main(): Promise<void> {
  // Memory first, in a process that has made nothing else yet: no stray timers, no garbage.
  await memoryBench();
  console.log(`\nnode ${process.version}, ${ROUNDS} interleaved rounds, medians\n`);
  const engine = await engineBench();
  const decorator = await decoratorBench();
  const store = await storeBench();
  const only = process.env.BENCH_ONLY?.split(',');
  const cases = [...engine.cases, ...decorator.cases, ...store.cases].filter(
    (c) => !only || c.name === BARE || only.some((word) => c.name.includes(word)),
  );
  const comparisons = [
    ...engine.comparisons,
    ...decorator.comparisons,
    ...store.comparisons,
  ].filter(({ ours, peer }) => [ours, peer].every((name) => cases.some((c) => c.name === name)));

  const times = await timeInterleaved(cases, ROUNDS, Number(process.env.BENCH_MS ?? 100));
  engine.teardown();
  await decorator.close();
  await store.close();

  printTable(
    ['per call', 'median', 'x bare'],
    cases.map((c) => [
      c.name,
      formatNs(median(times.get(c.name)!)),
      formatRatio(medianRatio(times, c.name, BARE)),
    ]),
  );
  console.log();
  printTable(
    ['ours vs reference', 'ratio', 'target', ''],
    comparisons.map(({ ours, peer, target }) => {
      const ratio = medianRatio(times, ours, peer);
      return [
        `${ours} / ${peer}`,
        formatRatio(ratio),
        `≤ ${formatRatio(target)}`,
        ratio <= target ? 'met' : 'MISSED',
      ];
    }),
  );

  if (process.env.BENCH_HTTP !== '0') await httpBench();
}

await main();
