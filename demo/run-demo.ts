import { setTimeout as sleep } from 'node:timers/promises';
import { CircuitWatcher } from './circuit-watcher.js';
import { SampleAppError, startSampleApp, type SampleAppProcess } from './sample-app-process.js';
import { circuitsOf, judge, summarize } from './story.js';
import { Timeline, painter } from './timeline.js';
import { demoTimings } from './timings.js';
import { Traffic } from './traffic.js';

export interface DemoOptions {
  /** The compiled sample app, `dist/sample-app/main.js`. */
  appEntry: string;
  /** Divides every duration of the story: 1 takes about 20 s. */
  speed?: number;
  color?: boolean;
  write?: (text: string) => void;
  /** Extra environment for the app (thresholds, timeout); ports and reset timeout are set here. */
  env?: Record<string, string>;
}

/**
 * Tells the story against the real sample app, started as a child process: healthy traffic,
 * the inventory service fails, the circuits open and fallbacks and 503s answer at once, the
 * inventory recovers, probes close the circuits. Resolves to the exit code: 0 when the story
 * happened, 1 when it did not or something broke. The app is stopped in every case.
 */
export async function runDemo(options: DemoOptions): Promise<number> {
  const timings = demoTimings(options.speed);
  const view = new Timeline(
    options.write ?? ((text) => void process.stdout.write(text)),
    painter(options.color ?? false),
  );
  const resetSeconds = timings.resetTimeoutMs / 1000;
  view.title('nestjs-circuit-breaker demo: a failing dependency, and the circuits that contain it');
  view.note(
    'The orders app calls the inventory service with HttpService, each call through the circuit of its origin, `outbound:<origin>` (fallback: cached stock);',
  );
  view.note(
    `POST /orders is guarded by the \`orders\` circuit. An open circuit lets a probe through after ${resetSeconds} s.`,
  );

  let app: SampleAppProcess | undefined;
  let watcher: CircuitWatcher | undefined;
  let traffic: Traffic | undefined;
  let rows: NodeJS.Timeout | undefined;
  try {
    const launchedAt = Date.now();
    app = await startSampleApp({
      entry: options.appEntry,
      env: {
        ...options.env,
        CIRCUIT_RESET_TIMEOUT_MS: String(timings.resetTimeoutMs),
        INVENTORY_FAILURE_RATE: '0',
        INVENTORY_LATENCY_MS: String(timings.inventoryLatencyMs),
      },
    });
    const running = app;
    view.note(
      `Sample app started in ${((Date.now() - launchedAt) / 1000).toFixed(1)} s (pid ${running.pid}): orders ${running.ordersUrl}, inventory ${running.inventoryUrl}`,
    );
    // The app dying halts the story at once rather than at its end.
    const died = running.exited.then(() => {
      throw new SampleAppError('the sample app exited during the demo', running.output());
    });
    died.catch(() => {});
    const pause = (ms: number) => Promise.race([sleep(ms), died]);
    const chaos = async (failureRate: number) => {
      const response = await Promise.race([
        fetch(`${running.inventoryUrl}/chaos`, {
          method: 'PUT',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ failureRate }),
        }),
        died,
      ]);
      if (!response.ok) throw new Error(`PUT /chaos answered ${response.status}`);
    };

    const circuitWatcher = (watcher = new CircuitWatcher(running.ordersUrl, (change) =>
      view.change(change),
    ));
    await circuitWatcher.poll();
    if (circuitWatcher.latest.length === 0) throw new Error('GET /circuits lists no circuit');
    const load = (traffic = new Traffic(running.ordersUrl, timings));
    const startedAt = Date.now();
    view.start(startedAt, circuitWatcher.latest);
    circuitWatcher.start(timings.pollEveryMs);
    load.start();
    rows = setInterval(
      () => view.row(Date.now(), circuitWatcher.latest, load.takeFinished()),
      timings.rowEveryMs,
    );
    view.step(
      startedAt,
      'steady traffic',
      `${timings.stockPerTick} × GET /orders/stock/:sku every ${timings.tickMs} ms, POST /orders every ${timings.tickMs * timings.postEveryTicks} ms`,
    );
    await pause(timings.steadyMs);

    await chaos(1);
    view.step(Date.now(), 'the inventory service starts failing', 'PUT /chaos {"failureRate":1}');
    await pause(timings.failingMs);

    await chaos(0);
    view.step(Date.now(), 'the inventory service recovers', 'PUT /chaos {"failureRate":0}');
    const opened = circuitWatcher.changes.some((change) => change.to === 'open');
    const closedBy = Date.now() + timings.closeDeadlineMs;
    const allClosed = () => circuitWatcher.latest.every((stats) => stats.state === 'closed');
    while (opened && !allClosed() && Date.now() < closedBy) await pause(timings.pollEveryMs);
    if (opened && allClosed()) {
      view.step(Date.now(), 'every circuit is closed again', 'traffic flows live');
      await pause(timings.recoveredMs);
    }

    clearInterval(rows);
    await load.stop();
    const endedAt = Date.now();
    await circuitWatcher.stop();
    await circuitWatcher.poll();
    const finalStates = Object.fromEntries(circuitWatcher.latest.map((s) => [s.name, s.state]));
    const summary = summarize(
      load.records,
      circuitWatcher.changes,
      finalStates,
      endedAt - startedAt,
      circuitsOf(running.inventoryUrl),
    );
    const problems = judge(summary);
    view.summary(summary, problems);
    return problems.length === 0 ? 0 : 1;
  } catch (error) {
    view.line();
    view.line(`✘ The demo failed: ${error instanceof Error ? error.message : String(error)}`);
    const output = error instanceof SampleAppError ? error.output : app?.output();
    if (output) {
      view.line('  The sample app printed:');
      for (const line of output.split('\n').slice(-40)) view.line(`  | ${line}`);
    }
    return 1;
  } finally {
    clearInterval(rows);
    await watcher?.stop().catch(() => {});
    await traffic?.stop().catch(() => {});
    await app?.stop();
  }
}
