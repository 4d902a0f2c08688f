import { spawn } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/** The sample app running as a child process: the orders app and its inventory service. */
export interface SampleAppProcess {
  readonly pid: number;
  readonly ordersUrl: string;
  readonly inventoryUrl: string;
  /** What the app printed so far (the last lines), to show when something goes wrong. */
  output(): string;
  /** Settles when the process exits, for whatever reason. */
  readonly exited: Promise<void>;
  /** SIGTERM, then SIGKILL if it has not exited within `graceMs`. Safe to call twice. */
  stop(graceMs?: number): Promise<void>;
}

export interface StartOptions {
  /** The compiled sample app, `dist/sample-app/main.js`. */
  entry: string;
  /** Added to the environment; PORT, INVENTORY_PORT and WEBHOOK_PORT are chosen here. */
  env: Record<string, string>;
  readyTimeoutMs?: number;
}

/** Starts the sample app on three free loopback ports; tries new ports if they were taken meanwhile. */
export async function startSampleApp(options: StartOptions): Promise<SampleAppProcess> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(options);
    } catch (error) {
      if (!(error instanceof PortTakenError) || attempt === 3) throw error;
    }
  }
}

class PortTakenError extends Error {}

/** The app exited or never answered; `output` is what it printed. */
export class SampleAppError extends Error {
  constructor(
    message: string,
    readonly output: string,
  ) {
    super(message);
  }
}

async function startOnce({
  entry,
  env,
  readyTimeoutMs = 20_000,
}: StartOptions): Promise<SampleAppProcess> {
  const [port, inventoryPort, webhookPort] = await freePorts(3);
  const child = spawn(process.execPath, [entry], {
    env: {
      ...process.env,
      ...env,
      PORT: String(port),
      INVENTORY_PORT: String(inventoryPort),
      WEBHOOK_PORT: String(webhookPort),
      NO_COLOR: '1',
      FORCE_COLOR: '0',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const keep = (chunk: Buffer) => {
    lines.push(...chunk.toString('utf8').split('\n'));
    if (lines.length > 200) lines.splice(0, lines.length - 200);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const output = () => lines.join('\n').trim();

  let exitCode: number | null | undefined;
  const exited = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      exitCode = code ?? (signal ? -1 : null);
      resolve();
    });
    child.once('error', (error) => {
      lines.push(String(error));
      exitCode = -1;
      resolve();
    });
  });
  // Should this process die without cleaning up, the app goes with it.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);

  const stop = async (graceMs = 3_000) => {
    if (exitCode === undefined) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    }
    process.removeListener('exit', killOnExit);
  };

  const ordersUrl = `http://127.0.0.1:${port}`;
  const inventoryUrl = `http://127.0.0.1:${inventoryPort}`;
  const deadline = Date.now() + readyTimeoutMs;
  while (
    !(await answers(`${ordersUrl}/health/live`)) ||
    !(await answers(`${inventoryUrl}/chaos`))
  ) {
    if (exitCode !== undefined) {
      await stop();
      if (/EADDRINUSE/.test(output())) throw new PortTakenError(output());
      throw new SampleAppError(
        `the sample app exited (code ${exitCode}) before it was ready`,
        output(),
      );
    }
    if (Date.now() > deadline) {
      await stop();
      throw new SampleAppError(
        `the sample app did not answer within ${readyTimeoutMs} ms`,
        output(),
      );
    }
    await sleep(100);
  }
  return { pid: child.pid!, ordersUrl, inventoryUrl, output, exited, stop };
}

async function answers(url: string): Promise<boolean> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(1_000) });
    await response.arrayBuffer();
    return response.ok;
  } catch {
    return false;
  }
}

/** Distinct ports the OS just handed out, closed again for the app to take. */
async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from({ length: count }, async () => {
      const server = createServer();
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(0, '127.0.0.1', resolve);
      });
      return server;
    }),
  );
  const ports = servers.map((server) => (server.address() as AddressInfo).port);
  await Promise.all(
    servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))),
  );
  return ports;
}
