import {
  createServer,
  type IncomingHttpHeaders,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** How the receiver answers: 2xx, a given error status, or not at all (until told otherwise). */
export type ReceiverMode = 'ok' | 'hang' | number;

export interface Received {
  readonly headers: IncomingHttpHeaders;
  readonly body: Record<string, unknown>;
  readonly status: number;
}

/**
 * A webhook receiver on 127.0.0.1 and an ephemeral port, as a real one would be: it can answer,
 * fail, hang, or be down (its port closed: connection refused) and come back on the same port.
 */
export class WebhookReceiver {
  mode: ReceiverMode = 'ok';
  /** Every request, whatever it was answered; `accepted` for those answered 2xx. */
  readonly requests: Received[] = [];
  private readonly hung = new Map<ServerResponse, Received>();
  private readonly held = new Set<Socket>();
  private server: Server;

  private constructor(
    readonly port: number,
    server: Server,
  ) {
    this.server = server;
  }

  static async start(): Promise<WebhookReceiver> {
    const receiver = new WebhookReceiver(0, createServer());
    await receiver.listen(0);
    return receiver;
  }

  /** The webhook's URL, with a token in the query string as some receivers want it. */
  url(token = 'q-s3cr3t'): string {
    return `http://127.0.0.1:${this.port}/hooks/circuits?token=${token}`;
  }

  /** Bodies of the messages answered 2xx, in the order they came. */
  get accepted(): Array<Record<string, unknown>> {
    return this.requests
      .filter(({ status }) => status >= 200 && status < 300)
      .map(({ body }) => body);
  }

  /** Requests waiting for an answer now. */
  get waiting(): number {
    return this.hung.size;
  }

  /** Answers the requests held so far as the mode now says. */
  release(): void {
    for (const [response, received] of this.hung) this.answer(response, received);
    this.hung.clear();
  }

  /** Connections that carried a request it held (mode `hang`) and are still open. */
  get heldConnections(): number {
    return this.held.size;
  }

  /** Closes its port: a POST meets a refused connection. */
  async down(): Promise<void> {
    this.hung.clear();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** Listens again, on the same port. */
  async up(): Promise<void> {
    this.server = createServer();
    await this.listen(this.port);
  }

  async close(): Promise<void> {
    if (this.server.listening) await this.down();
  }

  private async listen(port: number): Promise<void> {
    this.server.on('request', (request, response) => {
      let text = '';
      request.setEncoding('utf8');
      request.on('data', (chunk: string) => (text += chunk));
      request.on('end', () => {
        const received = { headers: request.headers, body: JSON.parse(text), status: 0 };
        this.requests.push(received);
        if (this.mode === 'hang') {
          this.hung.set(response, received);
          const socket = request.socket;
          this.held.add(socket);
          socket.once('close', () => this.held.delete(socket));
        } else this.answer(response, received);
      });
    });
    await new Promise<void>((resolve) => this.server.listen(port, '127.0.0.1', resolve));
    (this as { port: number }).port = (this.server.address() as AddressInfo).port;
  }

  private answer(response: ServerResponse, received: Received): void {
    const status = this.mode === 'ok' || this.mode === 'hang' ? 204 : this.mode;
    (received as { status: number }).status = status;
    response.writeHead(status).end();
  }
}

/**
 * Waits until `condition` holds; fails, saying what it waited for, after `withinMs`: long, as
 * only a broken behaviour reaches it (a correct one gets there as fast as a busy machine allows).
 */
export async function until(
  what: string,
  condition: () => boolean | Promise<boolean>,
  withinMs = 20_000,
): Promise<void> {
  const deadline = performance.now() + withinMs;
  while (!(await condition())) {
    if (performance.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
