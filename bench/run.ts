import { fork } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { engineBench } from './engine-cases.js';
import { httpBench } from './http.js';
import { perCallReport } from './measure.js';
import { memoryBench } from './memory.js';
import { outboundBench } from './outbound.js';
import { policyBench } from './policy-cases.js';

/**
 * `npm run bench`: retained memory per breaker; per-call cost of the engine, cockatiel and
 * opossum, interleaved in this process, then of the policies beside the breaker; the decorator, metrics and stores, through NestJS, in
 * child processes; then HTTP overhead, and outbound protection (HttpService, fetch). BENCH_ONLY=word,word
 * keeps the per-call cases whose names hold a word; BENCH_HTTP=0 skips both HTTP parts,
 * BENCH_OUTBOUND=0 the outbound one.
 */
async function main(): Promise<void> {
  // Memory first, in a process that has made nothing else yet: no stray timers, no garbage.
  await memoryBench();
  const engine = await engineBench();
  await perCallReport('Per call, the engine against cockatiel and opossum', engine);
  engine.teardown();
  await perCallReport('Per call, the policies beside the breaker', policyBench());

  for (const group of ['decorator', 'integrations']) {
    const nest = fork(fileURLToPath(new URL('./nest-cases.js', import.meta.url)), [group], {
      stdio: 'inherit',
    });
    const [code] = (await once(nest, 'exit')) as [number | null];
    if (code !== 0) throw new Error(`the NestJS bench (${group}) exited with ${code}`);
  }

  if (process.env.BENCH_HTTP !== '0') await httpBench();
  if (process.env.BENCH_HTTP !== '0' && process.env.BENCH_OUTBOUND !== '0') await outboundBench();
}

await main();
