import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/**
 * A real HTTP server on loopback, what an outbound call meets:
 * - `/ok` 200; `/fail` 500 (or 200 once `recovered`); `/status/<code>` that status;
 * - `/busy/<seconds>` 429 and `/unavailable/<seconds>` 503, both with `Retry-After`;
 * - `/hang` never answers; `/gate` answers 200 when `openGate()` is called.
 * It counts requests and connections, and sees a request's socket closed by the client.
 */
export interface Upstream {
  readonly origin: string;
  /** Requests received, by path. */
  hits(path?: string): number;
  /** TCP connections accepted: a call refused locally opens none. */
  readonly connections: number;
  /** Requests whose client went away before an answer (an aborted request). */
  readonly abandoned: number;
  /** Requests waiting at `/gate` or `/hang` now. */
  readonly waiting: number;
  recovered: boolean;
  openGate(): void;
  close(): Promise<void>;
}

export async function startUpstream(): Promise<Upstream> {
  const hits = new Map<string, number>();
  const sockets = new Set<Socket>();
  let gate: Array<() => void> = [];
  let waiting = 0;
  const state = { connections: 0, abandoned: 0, recovered: false };

  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const path = (request.url ?? '/').split('?')[0]!;
    hits.set(path, (hits.get(path) ?? 0) + 1);
    const answer = (status: number, headers: Record<string, string> = {}) => {
      if (!response.writableEnded) response.writeHead(status, headers).end(String(status));
    };
    request.resume();
    const wait = (then?: () => void) => {
      waiting++;
      let done = false;
      const finish = () => {
        if (done) return;
        done = true;
        waiting--;
      };
      response.on('close', () => {
        if (!response.writableEnded) state.abandoned++;
        finish();
      });
      if (then) {
        gate.push(() => {
          finish();
          then();
        });
      }
    };
    const [, kind, value] = path.split('/');
    switch (kind) {
      case 'ok':
        return answer(200);
      case 'fail':
        return answer(state.recovered ? 200 : 500);
      case 'status':
        return answer(Number(value));
      case 'busy':
        return answer(429, { 'retry-after': value! });
      case 'unavailable':
        return answer(503, { 'retry-after': value! });
      case 'hang':
        return wait();
      case 'gate':
        return wait(() => answer(200));
      default:
        return answer(404);
    }
  });
  server.keepAliveTimeout = 60_000;
  server.on('connection', (socket: Socket) => {
    state.connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    origin: `http://127.0.0.1:${port}`,
    hits: (path) =>
      path === undefined ? [...hits.values()].reduce((a, b) => a + b, 0) : (hits.get(path) ?? 0),
    get connections() {
      return state.connections;
    },
    get abandoned() {
      return state.abandoned;
    },
    get waiting() {
      return waiting;
    },
    get recovered() {
      return state.recovered;
    },
    set recovered(value: boolean) {
      state.recovered = value;
    },
    openGate() {
      const open = gate;
      gate = [];
      for (const release of open) release();
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** An origin where nothing listens: connections are refused. */
export async function refusingOrigin(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

/** Polls `condition` every 10 ms until it holds, for at most `ms` (a bound for a loaded machine). */
export async function waitFor(condition: () => boolean, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > end) throw new Error(`Condition not met within ${ms} ms: ${condition}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
