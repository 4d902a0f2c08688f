import { Controller, Get, Injectable, Param } from '@nestjs/common';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { from, Observable } from 'rxjs'; // a value: TypeScript records it as the return type
import {
  CallTimeoutError,
  CircuitBreaker,
  CircuitBreakerModule,
  CircuitSignal,
} from '../../lib/index.js';
import { moduleOf, startApp, type RunningApp } from './support/start-app.js';

/** A dependency that never answers, and sees when a client gives up on a request. */
class BlackHole {
  readonly requests: IncomingMessage[] = [];
  readonly closed: string[] = [];
  private constructor(private readonly server: Server) {}

  static async start(): Promise<BlackHole> {
    const server = createServer();
    const hole = new BlackHole(server);
    server.on('request', (request: IncomingMessage) => {
      hole.requests.push(request);
      request.socket.once('close', () => hole.closed.push(request.url!));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return hole;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Resolves once the request for `path` has been given up by its client. */
  async closedFor(path: string): Promise<void> {
    while (!this.closed.includes(path)) await new Promise((resolve) => setTimeout(resolve, 5));
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

let hole: BlackHole;

@Injectable()
class InventoryClient {
  received: Array<AbortSignal | undefined> = [];

  @CircuitBreaker({ name: 'inventory', timeoutMs: 200 })
  async stock(sku: string, @CircuitSignal() signal?: AbortSignal): Promise<unknown> {
    this.received.push(signal);
    return (await fetch(`${hole.url}/stock/${sku}`, { signal })).json();
  }

  @CircuitBreaker({ name: 'prices', timeoutMs: 200 })
  price(sku: string, @CircuitSignal() signal?: AbortSignal): Observable<unknown> {
    return from(fetch(`${hole.url}/price/${sku}`, { signal }).then((r) => r.json()));
  }

  @CircuitBreaker({ name: 'untimed' })
  async untimed(sku: string, @CircuitSignal() signal?: AbortSignal): Promise<unknown> {
    this.received.push(signal);
    return sku;
  }

  @CircuitBreaker({ name: 'plain', timeoutMs: 200 })
  async plain(...args: unknown[]): Promise<unknown[]> {
    return args;
  }
}

@Controller('orders')
class OrdersController {
  @Get(':sku')
  @CircuitBreaker({ name: 'orders', timeoutMs: 200 })
  async order(@Param('sku') sku: string, @CircuitSignal() signal?: AbortSignal): Promise<unknown> {
    return (await fetch(`${hole.url}/orders/${sku}`, { signal })).json();
  }
}

describe('@CircuitSignal(): a decorated method learns that its call timed out', () => {
  let running: RunningApp;
  let client: InventoryClient;
  beforeEach(async () => {
    hole = await BlackHole.start();
    running = await startApp(
      moduleOf({
        imports: [CircuitBreakerModule.forRoot()],
        controllers: [OrdersController],
        providers: [InventoryClient],
      }),
    );
    client = running.get(InventoryClient);
  });
  afterEach(async () => {
    await running.close();
    await hole.close();
  });

  it('aborts the request of a timed-out call: the dependency sees it given up', async () => {
    await expect(client.stock('a')).rejects.toBeInstanceOf(CallTimeoutError);
    await hole.closedFor('/stock/a');
    const [signal] = client.received;
    expect(signal).toBeInstanceOf(AbortSignal);
    expect(signal!.aborted).toBe(true);
    expect(signal!.reason).toBeInstanceOf(CallTimeoutError);
  });

  it('aborts the request of a timed-out Observable subscription', async () => {
    const answer = new Promise((resolve, reject) =>
      client.price('b').subscribe({ next: resolve, error: reject }),
    );
    await expect(answer).rejects.toBeInstanceOf(CallTimeoutError);
    await hole.closedFor('/price/b');
  });

  it('aborts the request of a timed-out route handler, which answers 504', async () => {
    const response = await fetch(`${running.url}/orders/c`);
    expect(response.status).toBe(504);
    await hole.closedFor('/orders/c');
  });

  it('leaves the parameter as the caller gave it when the circuit has no timeoutMs', async () => {
    await client.untimed('d');
    const own = new AbortController().signal;
    await client.untimed('e', own);
    expect(client.received).toEqual([undefined, own]);
  });

  it('changes nothing for a method that does not ask for it', async () => {
    await expect(client.plain('x', 1)).resolves.toEqual(['x', 1]);
  });

  it('refuses to mark two parameters, or a constructor’s', () => {
    expect(() => {
      class Twice {
        call(@CircuitSignal() _a?: AbortSignal, @CircuitSignal() _b?: AbortSignal) {}
      }
      return Twice;
    }).toThrow('marks one parameter of Twice.call, not two');
    expect(() => {
      class Built {
        constructor(@CircuitSignal() _signal?: AbortSignal) {}
      }
      return Built;
    }).toThrow('not of a constructor');
  });
});
