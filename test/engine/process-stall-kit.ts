// A dependency whose answer is already waiting in a socket while our process stalls: for the
// specs of deadlines judged after the turn's I/O. Not a spec itself.
import { once } from 'node:events';
import { createServer, connect, type Server, type Socket } from 'node:net';

/** Both ends of a loopback connection: the dependency writes on `server`, we read on `client`. */
export interface SocketPair {
  server: Socket;
  client: Socket;
  close(): Promise<void>;
}

/** A loopback connection, made beforehand so that the stall finds it open. */
export async function socketPair(): Promise<SocketPair> {
  const listener: Server = createServer();
  listener.listen(0, '127.0.0.1');
  await once(listener, 'listening');
  const { port } = listener.address() as { port: number };
  const accepted = once(listener, 'connection') as Promise<[Socket]>;
  const client = connect(port, '127.0.0.1');
  await once(client, 'connect');
  const [server] = await accepted;
  return {
    server,
    client,
    close: async () => {
      client.destroy();
      server.destroy();
      await new Promise<void>((resolve) => listener.close(() => resolve()));
    },
  };
}

/** The next chunk `socket` reads, as text: the dependency's answer. */
export function nextAnswer(socket: Socket): Promise<string> {
  return new Promise((resolve) => socket.once('data', (chunk: Buffer) => resolve(String(chunk))));
}

/**
 * Keeps the process busy, as a GC pause or a CPU-bound handler would, for `ms` (real time):
 * no timer, no I/O is served meanwhile.
 */
export function stall(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // busy
  }
}

/**
 * Waits for the check phase of the event loop (a `setImmediate`): a stall that starts there
 * ends before the next turn's timers phase, where a timer due meanwhile fires before the poll
 * phase reads the socket. (A stall inside the timers phase would not show it: Node judges the
 * timers of one timers phase against the time that phase began.)
 */
export function checkPhase(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
