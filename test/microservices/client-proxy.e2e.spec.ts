import { jest } from '@jest/globals';
import {
  Controller,
  Inject,
  Injectable,
  Module,
  Get,
  Param,
  ParseIntPipe,
  type INestApplication,
  type INestMicroservice,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import {
  ClientsModule,
  MessagePattern,
  RpcException,
  Transport,
  type ClientProxy,
  type MicroserviceOptions,
} from '@nestjs/microservices';
import { finalize, firstValueFrom, type MonoTypeOperatorFunction, type Observable } from 'rxjs';
import {
  CallTimeoutError,
  CircuitBreakerModule,
  CircuitBreakerRegistry,
  CircuitOpenError,
  CircuitState,
  protect,
} from '../../lib/index.js';

// A client app calls a real microservice over TCP on loopback through `protect()`; the
// microservice answers, fails or hangs as each test says, and counts what it receives.

interface Order {
  id: number;
  status: string;
}

const orders = {
  mode: 'answer' as 'answer' | 'fail' | 'hang',
  received: [] as number[],
  /** Ends each hung call, answering it late. */
  hung: [] as Array<() => void>,
};

@Controller()
class OrdersMessages {
  @MessagePattern('orders.get')
  get(id: number): Order | Promise<Order> {
    orders.received.push(id);
    if (orders.mode === 'fail') throw new RpcException('orders database down');
    const order = { id, status: 'shipped' };
    if (orders.mode === 'hang')
      return new Promise((resolve) => orders.hung.push(() => resolve(order)));
    return order;
  }
}

const CIRCUIT = 'orders-service';
const RESET_TIMEOUT_MS = 30_000;
// Long beside a loopback answer, even on a loaded machine: only the hung calls reach it.
const TIMEOUT_MS = 1_000;

@Injectable()
class OrdersClient {
  private readonly protection: MonoTypeOperatorFunction<Order>;

  constructor(
    @Inject('ORDERS') private readonly client: ClientProxy,
    registry: CircuitBreakerRegistry,
  ) {
    this.protection = protect<Order>(registry, CIRCUIT, {
      failureThreshold: 3,
      resetTimeoutMs: RESET_TIMEOUT_MS,
      timeoutMs: TIMEOUT_MS,
    });
  }

  get(id: number): Observable<Order> {
    return this.client.send<Order>('orders.get', id).pipe(this.protection);
  }

  /** `get()`, telling when the request's own subscription ends (answered, failed or dropped). */
  getTracked(id: number, ended: () => void): Observable<Order> {
    return this.client.send<Order>('orders.get', id).pipe(finalize(ended), this.protection);
  }
}

@Controller('orders')
class OrdersController {
  constructor(private readonly orders: OrdersClient) {}

  @Get(':id')
  get(@Param('id', ParseIntPipe) id: number): Observable<Order> {
    return this.orders.get(id);
  }
}

describe('protect(): a ClientProxy call through a circuit (TCP, a real microservice)', () => {
  let microservice: INestMicroservice;
  let app: INestApplication;
  let url: string;
  let client: OrdersClient;
  let registry: CircuitBreakerRegistry;

  beforeAll(async () => {
    // The circuit's clocks only (performance.now, Date) are fake, and run on with real time:
    // a test moves them past the open duration. Sockets and timers stay real.
    jest.useFakeTimers({
      advanceTimers: true,
      doNotFake: [
        'hrtime',
        'nextTick',
        'queueMicrotask',
        'setImmediate',
        'clearImmediate',
        'setInterval',
        'clearInterval',
        'setTimeout',
        'clearTimeout',
      ],
    });
    @Module({ controllers: [OrdersMessages] })
    class OrdersService {}
    microservice = await NestFactory.createMicroservice<MicroserviceOptions>(OrdersService, {
      transport: Transport.TCP,
      options: { host: '127.0.0.1', port: 0 },
      logger: false,
    });
    await microservice.listen();
    const { port } = (microservice.unwrap() as { address(): { port: number } }).address();

    @Module({
      imports: [
        CircuitBreakerModule.forRoot(),
        ClientsModule.register([
          { name: 'ORDERS', transport: Transport.TCP, options: { host: '127.0.0.1', port } },
        ]),
      ],
      controllers: [OrdersController],
      providers: [OrdersClient],
    })
    class ClientApp {}
    app = await NestFactory.create(ClientApp, { logger: false });
    await app.listen(0, '127.0.0.1');
    url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
    client = app.get(OrdersClient);
    registry = app.get(CircuitBreakerRegistry);
  });

  afterAll(async () => {
    for (const release of orders.hung) release();
    await app?.close();
    await microservice?.close();
    jest.useRealTimers();
  });

  beforeEach(() => {
    registry.reset(CIRCUIT);
    orders.mode = 'answer';
    orders.received = [];
  });

  /** The error a call ends with (undefined when it answers). */
  const errorOf = (call: Observable<Order>) =>
    firstValueFrom(call).then(
      () => undefined,
      (error: unknown) => error,
    );

  it('answers through a closed circuit, one message per call, counted as successes', async () => {
    await expect(firstValueFrom(client.get(1))).resolves.toEqual({ id: 1, status: 'shipped' });
    await expect(firstValueFrom(client.get(2))).resolves.toEqual({ id: 2, status: 'shipped' });
    expect(orders.received).toEqual([1, 2]);
    expect(registry.get(CIRCUIT)!.stats()).toMatchObject({ successes: 2, failures: 0 });
  });

  it('opens on the 3rd failure; then refuses at once with CircuitOpenError and sends nothing', async () => {
    orders.mode = 'fail';
    for (const id of [1, 2, 3]) {
      const error = await errorOf(client.get(id));
      expect(error).toMatchObject({ message: 'orders database down' });
    }
    expect(registry.get(CIRCUIT)!.state).toBe(CircuitState.Open);

    orders.mode = 'answer';
    const refusals = await Promise.all([4, 5, 6, 7, 8].map((id) => errorOf(client.get(id))));
    for (const error of refusals) {
      expect(error).toBeInstanceOf(CircuitOpenError);
      expect(error).toMatchObject({ circuit: CIRCUIT });
      expect((error as CircuitOpenError).retryAfterMs).toBeGreaterThan(0);
    }
    expect(orders.received).toEqual([1, 2, 3]); // the refused calls never reached the microservice
    expect(registry.get(CIRCUIT)!.stats()).toMatchObject({ failures: 3, rejections: 5 });
  });

  it('times a hung call out with CallTimeoutError and drops its subscription: no retry, no late answer', async () => {
    orders.mode = 'hang';
    const late = jest.fn();
    const ended = jest.fn();
    const error = await new Promise<unknown>((resolve) => {
      client.getTracked(1, ended).subscribe({ next: late, error: resolve });
    });
    expect(ended).toHaveBeenCalledTimes(1); // dropped with the timeout, not when an answer comes
    expect(error).toBeInstanceOf(CallTimeoutError);
    expect(error).toMatchObject({ circuit: CIRCUIT, timeoutMs: TIMEOUT_MS });
    expect(registry.get(CIRCUIT)!.stats()).toMatchObject({ timeouts: 1, failures: 1 });

    // The microservice answers late; a call sent after it on the same connection gets its own
    // answer, so the late one has arrived by then, to no subscriber.
    orders.mode = 'answer';
    orders.hung.shift()!();
    await expect(firstValueFrom(client.get(2))).resolves.toEqual({ id: 2, status: 'shipped' });
    expect(late).not.toHaveBeenCalled();
    expect(orders.received).toEqual([1, 2]); // the timed-out call was sent once, never again
  });

  it('opens after hung calls time out, and the microservice hears nothing more', async () => {
    orders.mode = 'hang';
    const timedOut = await Promise.all([1, 2, 3].map((id) => errorOf(client.get(id))));
    for (const error of timedOut) expect(error).toBeInstanceOf(CallTimeoutError);
    expect(registry.get(CIRCUIT)!.state).toBe(CircuitState.Open);
    expect(await errorOf(client.get(4))).toBeInstanceOf(CircuitOpenError);
    expect([...orders.received].sort()).toEqual([1, 2, 3]);
  });

  it('recovers: after the open duration one probe goes through, and its answer closes the circuit', async () => {
    orders.mode = 'fail';
    for (const id of [1, 2, 3]) await errorOf(client.get(id));
    expect(registry.get(CIRCUIT)!.state).toBe(CircuitState.Open);

    orders.mode = 'answer'; // the microservice is back
    jest.advanceTimersByTime(RESET_TIMEOUT_MS);
    expect(registry.get(CIRCUIT)!.state).toBe(CircuitState.HalfOpen);
    await expect(firstValueFrom(client.get(4))).resolves.toEqual({ id: 4, status: 'shipped' });
    expect(registry.get(CIRCUIT)!.state).toBe(CircuitState.Closed);
    await expect(firstValueFrom(client.get(5))).resolves.toEqual({ id: 5, status: 'shipped' });
    expect(orders.received).toEqual([1, 2, 3, 4, 5]);
  });

  it('through an HTTP route: the reply as JSON, and a refusal as 503 with Retry-After', async () => {
    const answered = await fetch(`${url}/orders/1`);
    expect(answered.status).toBe(200);
    expect(await answered.json()).toEqual({ id: 1, status: 'shipped' });

    orders.mode = 'fail';
    for (const id of [2, 3, 4]) expect((await fetch(`${url}/orders/${id}`)).status).toBe(500);
    const refused = await fetch(`${url}/orders/5`);
    expect(refused.status).toBe(503);
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(RESET_TIMEOUT_MS / 1000);
    expect(await refused.json()).toMatchObject({ statusCode: 503, circuit: CIRCUIT });
    expect(orders.received).toEqual([1, 2, 3, 4]);
  });
});
