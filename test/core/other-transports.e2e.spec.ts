import { ApolloDriver, type ApolloDriverConfig } from '@nestjs/apollo';
import { Controller, Injectable, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { GraphQLModule, Query, Resolver } from '@nestjs/graphql';
import {
  ClientProxyFactory,
  MessagePattern,
  Transport,
  type ClientProxy,
  type MicroserviceOptions,
} from '@nestjs/microservices';
import { firstValueFrom } from 'rxjs';
import { CircuitBreaker, CircuitBreakerModule, CircuitBreakerRegistry } from '../../lib/index.js';
import { startApp, type RunningApp } from './support/start-app.js';

// What a caller outside the process receives when a circuit refuses or times out, beyond
// HTTP: a clear "service unavailable" naming the circuit and the retry time, never "Internal
// server error".

@Injectable()
class StockService {
  @CircuitBreaker({ name: 'stock', resetTimeoutMs: 30_000 })
  async level(): Promise<number> {
    return 7;
  }

  @CircuitBreaker({ name: 'slow-stock', timeoutMs: 50 })
  async slowLevel(): Promise<number> {
    return new Promise(() => {});
  }

  /** As a fetch through an open origin fails: TypeError('fetch failed'), the refusal its cause. */
  async fetchedLevel(): Promise<number> {
    try {
      return await this.level();
    } catch (error) {
      throw new TypeError('fetch failed', { cause: error });
    }
  }

  /** A TypeError of the app's own: Nest's handling, as without the module. */
  brokenLevel(): Promise<number> {
    return Promise.reject(new TypeError('level is not a function'));
  }
}

@Resolver()
class StockResolver {
  constructor(private readonly stock: StockService) {}

  @Query(() => Number)
  level(): Promise<number> {
    return this.stock.level();
  }

  @Query(() => Number)
  slowLevel(): Promise<number> {
    return this.stock.slowLevel();
  }

  @Query(() => Number)
  fetchedLevel(): Promise<number> {
    return this.stock.fetchedLevel();
  }

  @Query(() => Number)
  brokenLevel(): Promise<number> {
    return this.stock.brokenLevel();
  }
}

describe('GraphQL (@nestjs/graphql with Apollo)', () => {
  let running: RunningApp;
  beforeAll(async () => {
    @Module({
      imports: [
        CircuitBreakerModule.forRoot(),
        GraphQLModule.forRoot<ApolloDriverConfig>({ driver: ApolloDriver, autoSchemaFile: true }),
      ],
      providers: [StockService, StockResolver],
    })
    class GraphqlApp {}
    running = await startApp(GraphqlApp);
  });
  afterAll(() => running.close());

  const query = async (field: string) => {
    const response = await fetch(`${running.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: `{ ${field} }` }),
    });
    return (await response.json()) as {
      data: unknown;
      errors?: Array<{ message: string; extensions: Record<string, unknown> }>;
    };
  };

  it('answers a refused call with SERVICE_UNAVAILABLE, the circuit and retryAfterMs', async () => {
    expect((await query('level')).data).toEqual({ level: 7 });
    running.get(CircuitBreakerRegistry).forceOpen('stock');
    const { errors } = await query('level');
    expect(errors).toHaveLength(1);
    expect(errors![0]!.message).toBe('Circuit "stock" is forced open');
    expect(errors![0]!.extensions).toMatchObject({
      code: 'SERVICE_UNAVAILABLE',
      circuit: 'stock',
      retryAfterMs: 1_000, // forced open: no time known, the least advice
    });
  });

  it('answers a fetch refused by an open circuit (a TypeError, the refusal its cause) the same way', async () => {
    running.get(CircuitBreakerRegistry).forceOpen('stock');
    const { errors } = await query('fetchedLevel');
    expect(errors![0]!.message).toBe('Circuit "stock" is forced open');
    expect(errors![0]!.extensions).toMatchObject({ code: 'SERVICE_UNAVAILABLE', circuit: 'stock' });
  });

  it('leaves any other TypeError to GraphQL, as without the module', async () => {
    const { errors } = await query('brokenLevel');
    expect(errors![0]!.message).toBe('level is not a function');
    expect(errors![0]!.extensions).toMatchObject({ code: 'INTERNAL_SERVER_ERROR' });
  });

  it('answers a timed-out call with GATEWAY_TIMEOUT and the circuit', async () => {
    const { errors } = await query('slowLevel');
    expect(errors![0]!.message).toBe('Call through circuit "slow-stock" timed out after 50 ms');
    expect(errors![0]!.extensions).toMatchObject({
      code: 'GATEWAY_TIMEOUT',
      circuit: 'slow-stock',
    });
  });
});

@Controller()
class StockMessages {
  constructor(private readonly stock: StockService) {}

  @MessagePattern('stock.level')
  level(): Promise<number> {
    return this.stock.level();
  }

  @MessagePattern('stock.fetched-level')
  fetchedLevel(): Promise<number> {
    return this.stock.fetchedLevel();
  }

  @MessagePattern('stock.broken-level')
  brokenLevel(): Promise<number> {
    return this.stock.brokenLevel();
  }
}

describe('a microservice message handler (@nestjs/microservices, TCP)', () => {
  let app: Awaited<ReturnType<typeof NestFactory.createMicroservice>>;
  let client: ClientProxy;
  beforeAll(async () => {
    @Module({
      imports: [CircuitBreakerModule.forRoot()],
      controllers: [StockMessages],
      providers: [StockService],
    })
    class MicroserviceApp {}
    app = await NestFactory.createMicroservice<MicroserviceOptions>(MicroserviceApp, {
      transport: Transport.TCP,
      options: { host: '127.0.0.1', port: 0 },
      logger: false,
    });
    await app.listen();
    const { port } = (app.unwrap() as { address(): { port: number } }).address();
    client = ClientProxyFactory.create({
      transport: Transport.TCP,
      options: { host: '127.0.0.1', port },
    });
    await client.connect();
  });
  afterAll(async () => {
    await client.close();
    await app.close();
  });

  it('answers a refused call with 503, the circuit and retryAfterMs, not "Internal server error"', async () => {
    await expect(firstValueFrom(client.send('stock.level', {}))).resolves.toBe(7);
    app.get(CircuitBreakerRegistry).forceOpen('stock');
    const error = await firstValueFrom(client.send('stock.level', {})).catch((e: unknown) => e);
    expect(error).toEqual({
      statusCode: 503,
      error: 'Service Unavailable',
      message: 'Circuit "stock" is forced open',
      circuit: 'stock',
      retryAfterMs: 1_000, // forced open: no time known, the least advice
    });
  });

  it('answers a fetch refused by an open circuit (a TypeError, the refusal its cause) the same way', async () => {
    app.get(CircuitBreakerRegistry).forceOpen('stock');
    const error = await firstValueFrom(client.send('stock.fetched-level', {})).catch(
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ statusCode: 503, circuit: 'stock' });
  });

  it('leaves any other TypeError to Nest, as without the module', async () => {
    const error = await firstValueFrom(client.send('stock.broken-level', {})).catch(
      (e: unknown) => e,
    );
    expect(error).toEqual({ status: 'error', message: 'Internal server error' });
  });
});
