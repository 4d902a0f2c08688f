import autocannon from 'autocannon';
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { formatRatio, median, printTable } from './measure.js';

const ROUNDS = Number(process.env.BENCH_HTTP_ROUNDS ?? 9);
const SECONDS = Number(process.env.BENCH_HTTP_SECONDS ?? 3);
const TARGET = 0.97;

/**
 * Requests per second of a plain route, of the same route with `@CircuitBreaker()` and of the
 * same with `CircuitBreakerInterceptor`, in one app, alternating A B C A B C… over `ROUNDS`
 * rounds: a single round varies by ±10% here.
 */
export async function httpBench(): Promise<void> {
  const server = fork(fileURLToPath(new URL('./http-server.js', import.meta.url)), {
    stdio: 'inherit',
  });
  try {
    const { url } = await new Promise<{ url: string }>((resolve, reject) => {
      server.once('message', (message) => resolve(message as { url: string }));
      server.once('exit', (code) => reject(new Error(`bench server exited with ${code}`)));
    });
    const load = async (path: string): Promise<number> => {
      const result = await autocannon({
        url: `${url}/${path}`,
        connections: 16,
        duration: SECONDS,
      });
      if (result.non2xx > 0 || result.errors > 0)
        throw new Error(`${path}: ${result.non2xx} non-2xx, ${result.errors} errors`);
      return result.requests.average;
    };
    const routes = ['plain', 'guarded', 'intercepted'] as const;
    for (const route of routes) await load(route); // warm-up
    const rps = new Map(routes.map((route) => [route, [] as number[]]));
    for (let round = 0; round < ROUNDS; round++) {
      for (const route of routes) rps.get(route)!.push(await load(route));
    }
    const plain = rps.get('plain')!;
    const ratio = (route: (typeof routes)[number]) =>
      median(rps.get(route)!.map((r, round) => r / plain[round]));
    console.log(
      `\nHTTP, Express, autocannon 16 connections, ${ROUNDS} rounds of ${SECONDS} s per route, A B C A B C…`,
    );
    const guarded = ratio('guarded');
    printTable(
      ['route', 'median req/s', 'x plain', 'target', ''],
      [
        ['plain', median(plain).toFixed(0), '1.00x', '', ''],
        [
          '@CircuitBreaker()',
          median(rps.get('guarded')!).toFixed(0),
          formatRatio(guarded),
          `≥ ${formatRatio(TARGET)}`,
          guarded >= TARGET ? 'met' : 'MISSED',
        ],
        [
          'CircuitBreakerInterceptor',
          median(rps.get('intercepted')!).toFixed(0),
          formatRatio(ratio('intercepted')),
          '',
          '',
        ],
      ],
    );
  } finally {
    server.disconnect();
  }
}
