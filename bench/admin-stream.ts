// What the admin event stream costs the application (issue #17, item 13): an app with 1,000
// circuits, N clients reading GET /circuit-breakers/events (in a worker thread, so that reading
// does not share the app's event loop), and one circuit flapping as fast as the app lets it:
// each state change is followed by a turn of the event loop, where the stream does its work.
// Prints the state changes per second, what the clients received, and the app's event-loop
// delay (p50, p99, max). Not part of `npm run bench`: run it with
//   npm run build && node dist/bench/admin-stream.js [clients...]   (default: 20 200)
import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setImmediate as nextTurn, setTimeout as sleep } from 'node:timers/promises';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { CircuitBreakerModule, CircuitBreakerRegistry } from 'nestjs-circuit-breaker';

const CIRCUITS = 1_000;
const FLAP_MS = 3_000;

interface Readers {
  url: string;
  clients: number;
}

if (isMainThread) await main();
else await read(workerData as Readers);

async function main(): Promise<void> {
  const counts = process.argv.slice(2).map(Number);
  for (const clients of counts.length > 0 ? counts : [20, 200]) await measure(clients);
  process.exit(0);
}

async function measure(clients: number): Promise<void> {
  const circuits = Object.fromEntries(
    Array.from({ length: CIRCUITS }, (_, i) => [`circuit-${i}`, {}]),
  );
  @Module({ imports: [CircuitBreakerModule.forRoot({ circuits, admin: { public: true } })] })
  class StreamBenchModule {}
  const app = await NestFactory.create(StreamBenchModule, { logger: false });
  await app.listen(0, '127.0.0.1');
  const url = `${(await app.getUrl()).replace('[::1]', '127.0.0.1')}/circuit-breakers/events`;
  const registry = app.get(CircuitBreakerRegistry);

  const worker = new Worker(new URL(import.meta.url), { workerData: { url, clients } });
  const bytes = () => ask<number>(worker, 'bytes');
  await ask(worker, 'connected');
  await sleep(1_500); // every client has had its first list

  const flapping = registry.get('circuit-0')!;
  const before = await bytes();
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  let changes = 0;
  const started = performance.now();
  while (performance.now() - started < FLAP_MS) {
    if (changes % 2 === 0) flapping.forceOpen();
    else flapping.release();
    changes++;
    await nextTurn();
  }
  const seconds = (performance.now() - started) / 1_000;
  await sleep(500); // the last frames
  delay.disable();
  const received = (await bytes()) - before;
  const ms = (ns: number) => (ns / 1e6).toFixed(1);
  console.log(
    `${clients} clients × ${CIRCUITS} circuits, one flapping: ` +
      `${Math.round(changes / seconds).toLocaleString('en')} state changes/s; ` +
      `clients received ${(received / 1e6).toFixed(1)} MB in ${seconds.toFixed(1)} s; ` +
      `event-loop delay p50 ${ms(delay.percentile(50))} ms, p99 ${ms(delay.percentile(99))} ms, ` +
      `max ${ms(delay.max)} ms (the 10 ms resolution included)`,
  );
  await worker.terminate();
  await app.close();
}

/** The worker's answer to `question`. */
function ask<T>(worker: Worker, question: string): Promise<T> {
  return new Promise((resolve) => {
    const answer = (message: { question: string; value: T }) => {
      if (message.question !== question) return;
      worker.off('message', answer);
      resolve(message.value);
    };
    worker.on('message', answer);
    worker.postMessage(question);
  });
}

/** In the worker: `clients` connections to the stream, each read as fast as it comes. */
async function read({ url, clients }: Readers): Promise<void> {
  const { get } = await import('node:http');
  let bytes = 0;
  let connected = 0;
  const opened = new Promise<void>((resolve) => {
    for (let i = 0; i < clients; i++) {
      get(url, { headers: { accept: 'text/event-stream' } }, (response) => {
        response.on('data', (chunk: Buffer) => (bytes += chunk.length));
        if (++connected === clients) resolve();
      });
    }
  });
  parentPort!.on('message', (question: string) => {
    if (question === 'connected') void opened.then(() => parentPort!.postMessage({ question }));
    else parentPort!.postMessage({ question, value: bytes });
  });
}
