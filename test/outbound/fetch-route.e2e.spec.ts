import {
  Catch,
  Controller,
  Get,
  Module,
  Param,
  Scope,
  type ArgumentsHost,
  type DynamicModule,
  type ExceptionFilter,
  type INestApplication,
  type LoggerService,
} from '@nestjs/common';
import { APP_FILTER, HttpAdapterHost, NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { fetch } from 'undici';
import { CircuitBreakerModule, CircuitBreakerRegistry, CircuitState } from '../../lib/index.js';
import { outlastClientKeepAlive, type Adapter } from '../core/support/start-app.js';
import { startUpstream, type Upstream } from './support/upstream.js';

// A route whose fetch meets an open origin answers 503 + Retry-After, as any refusal does: fetch
// wraps the interceptor's error in TypeError('fetch failed') with the refusal as its `cause`, and
// the module's filter answers for that cause. Any other TypeError is answered exactly as Nest
// answers it without the module. (undici's fetch: Node's global one is of another realm than
// Jest's sandbox; the same with Node's own fetch in a process: global-fetch.e2e.spec.ts.)

let upstream: Upstream;
const slowOrigin = () => upstream.origin.replace('127.0.0.1', 'localhost');

@Controller()
class StockController {
  /** Fetches a path of the upstream through the global dispatcher, and answers its status. */
  @Get('upstream/:kind/:value')
  async proxy(@Param('kind') kind: string, @Param('value') value: string) {
    const response = await fetch(`${upstream.origin}/${kind}/${value}`);
    await response.arrayBuffer();
    return { status: response.status };
  }

  /** The same upstream as another origin (`localhost`), with a timeout. */
  @Get('slow-upstream/hang')
  async slow() {
    const response = await fetch(`${slowOrigin()}/hang`);
    await response.arrayBuffer();
    return { status: response.status };
  }

  @Get('type-error')
  typeError(): never {
    throw new TypeError('Cannot read properties of undefined');
  }
}

const outbound = () =>
  CircuitBreakerModule.forRoot({
    outbound: {
      fetch: 'global',
      defaults: { failureThreshold: 1, resetTimeoutMs: 60_000 },
      origins: { [slowOrigin()]: { timeoutMs: 300 } },
    },
  });

/**
 * What the apps logged as errors: each message and context, as Nest's logger received them (one
 * list: Nest's static loggers write to the logger of the app created last).
 */
const errors: Array<{ message: string; context: unknown }> = [];

/** An app's own catch-all filter: it answers 418 with the error's name. */
@Catch()
class TeapotFilter implements ExceptionFilter {
  constructor(private readonly adapterHost: HttpAdapterHost) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const { httpAdapter } = this.adapterHost;
    const name = (exception as Error).name;
    httpAdapter.reply(host.switchToHttp().getResponse(), { caught: name }, 418);
  }
}

async function start(
  adapter: Adapter,
  imports: DynamicModule[],
  providers: Array<{
    provide: string;
    useClass: new (...args: never[]) => unknown;
    scope?: Scope;
  }> = [],
): Promise<{ app: INestApplication; url: string }> {
  @Module({ imports, controllers: [StockController], providers })
  class AppModule {}
  const logger: LoggerService = {
    log: () => {},
    warn: () => {},
    error: (message: unknown, ...rest: unknown[]) =>
      errors.push({
        message: String((message as Error)?.message ?? message),
        context: rest.at(-1),
      }),
  };
  const options = { logger, abortOnError: false } as const;
  const app =
    adapter === 'fastify'
      ? await NestFactory.create(AppModule, new FastifyAdapter(), options)
      : await NestFactory.create(AppModule, options);
  outlastClientKeepAlive(app);
  await app.listen(0, '127.0.0.1');
  const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  return { app, url };
}

/** Status, the headers that matter here, and the JSON body of a request to the app. */
async function call(url: string) {
  const response = await globalThis.fetch(url);
  const body = (await response.json()) as Record<string, unknown>;
  return { status: response.status, retryAfter: response.headers.get('retry-after'), body };
}

describe.each<Adapter>(['express', 'fastify'])('a route that fetches, on %s', (adapter) => {
  beforeEach(async () => {
    upstream = await startUpstream();
  });
  afterEach(async () => {
    await upstream.close();
  });

  it('answers 503 + Retry-After when its fetch is refused by an open origin, and 504 on a timeout', async () => {
    const { app, url } = await start(adapter, [outbound()]);
    try {
      expect(await call(`${url}/upstream/status/500`)).toMatchObject({ body: { status: 500 } });
      const circuit = `outbound:${upstream.origin}`;
      expect(app.get(CircuitBreakerRegistry).get(circuit)?.state).toBe(CircuitState.Open);

      const refused = await call(`${url}/upstream/status/200`);
      expect(refused.status).toBe(503);
      // The rest of a 60 s open period (less whatever a loaded machine took to get here).
      expect(Number(refused.retryAfter)).toBeGreaterThanOrEqual(50);
      expect(Number(refused.retryAfter)).toBeLessThanOrEqual(60);
      expect(refused.body).toMatchObject({
        statusCode: 503,
        error: 'Service Unavailable',
        circuit,
      });
      expect(upstream.hits('/status/200')).toBe(0);

      const timedOut = await call(`${url}/slow-upstream/hang`);
      expect(timedOut).toMatchObject({ status: 504, retryAfter: null });
      expect(timedOut.body).toMatchObject({ statusCode: 504, circuit: `outbound:${slowOrigin()}` });
    } finally {
      await app.close();
    }
  });

  it('answers any other TypeError exactly as Nest does without the module: 500, its body, its log', async () => {
    const without = await start(adapter, []);
    const withModule = await start(adapter, [outbound()]);
    try {
      errors.length = 0;
      const plain = await call(`${without.url}/type-error`);
      const loggedWithout = errors.splice(0);
      const answered = await call(`${withModule.url}/type-error`);
      expect(plain).toEqual({
        status: 500,
        retryAfter: null,
        body: { statusCode: 500, message: 'Internal server error' },
      });
      expect(answered).toEqual(plain);
      expect(loggedWithout).toEqual([
        { message: 'Cannot read properties of undefined', context: 'ExceptionsHandler' },
      ]);
      expect(errors).toEqual(loggedWithout);
    } finally {
      await without.app.close();
      await withModule.app.close();
    }
  });

  // Registered in the app's module, before the circuit breaker module's filter: Nest tries
  // static global filters last registered first, so the module's is asked first; request-scoped
  // ones Nest builds per request, in no list a filter of ours could read. Either way, ours must
  // not take a TypeError it does not answer.
  it.each([
    ['a catch-all filter of the app that Nest tries after the module’s', Scope.DEFAULT],
    ['a request-scoped catch-all filter of the app', Scope.REQUEST],
  ])('leaves any other TypeError to %s', async (_, scope) => {
    const catchAll = [{ provide: APP_FILTER, useClass: TeapotFilter, scope }];
    const without = await start(adapter, [], catchAll);
    const withModule = await start(adapter, [outbound()], catchAll);
    try {
      const plain = await call(`${without.url}/type-error`);
      expect(plain).toEqual({ status: 418, retryAfter: null, body: { caught: 'TypeError' } });
      expect(await call(`${withModule.url}/type-error`)).toEqual(plain);
    } finally {
      await without.app.close();
      await withModule.app.close();
    }
  });
});
