import { HttpModule, HttpService } from '@nestjs/axios';
import { Inject, Injectable, Scope } from '@nestjs/common';
import axios, { type AxiosAdapter, type AxiosInstance, type AxiosRequestConfig } from 'axios';
import { firstValueFrom } from 'rxjs';
import {
  CircuitBreakerModule,
  CircuitBreakerRegistry,
  CircuitOpenError,
  CircuitState,
} from '../../lib/index.js';
import { moduleOf, startApp, type RunningApp } from '../core/support/start-app.js';
import { PaymentsClient, PaymentsModule } from './support/payments-module.js';
import { startUpstream, type Upstream } from './support/upstream.js';

// A request that names its own axios adapter (`{ adapter: 'fetch' }`, `'http'`, a list, a
// function of its own) still goes through its origin's circuit, whichever HttpService sends it,
// and the protection is never applied twice; at shutdown each instance is as it was.

/** A request-scoped HttpService over HttpModule's axios instance, built per request. */
const SCOPED_HTTP = 'SCOPED_HTTP';
@Injectable({ scope: Scope.REQUEST })
class ScopedClient {
  constructor(@Inject(SCOPED_HTTP) readonly http: HttpService) {}
}

/** An HttpService over an axios instance the app built itself. */
const own: AxiosInstance = axios.create({ timeout: 10_000 });
const OWN_HTTP = 'OWN_HTTP';

/** An adapter of the app's own: a function that sends through axios's `http` adapter. */
let customCalls = 0;
const custom: AxiosAdapter = (config) => {
  customCalls++;
  return axios.getAdapter('http')(config);
};

const adapters: Array<[string, AxiosRequestConfig['adapter']]> = [
  ['fetch', 'fetch'],
  ['http', 'http'],
  ['a list', ['fetch', 'http']],
  ['a function of its own', custom],
];

describe('outbound: a request with an axios adapter of its own is still protected', () => {
  let app: RunningApp;
  let upstream: Upstream;
  let registry: CircuitBreakerRegistry;
  const clients: Record<string, () => Promise<HttpService>> = {
    'the app’s HttpService': () => Promise.resolve(app.get(HttpService)),
    'an HttpModule.register() HttpService': () => Promise.resolve(app.get(PaymentsClient).http),
    'a request-scoped HttpService': async () => (await app.app.resolve(ScopedClient)).http,
    'an HttpService over an axios instance of the app': () =>
      Promise.resolve(app.app.get<HttpService>(OWN_HTTP)),
  };
  const circuit = () => registry.get(`outbound:${upstream.origin}`);

  beforeEach(async () => {
    upstream = await startUpstream();
    app = await startApp(
      moduleOf({
        imports: [
          HttpModule,
          PaymentsModule,
          CircuitBreakerModule.forRoot({
            outbound: {
              httpService: true,
              defaults: { failureThreshold: 2, resetTimeoutMs: 60_000 },
            },
          }),
        ],
        providers: [
          ScopedClient,
          {
            provide: SCOPED_HTTP,
            scope: Scope.REQUEST,
            useFactory: (shared: HttpService) => new HttpService(shared.axiosRef),
            inject: [HttpService],
          },
          { provide: OWN_HTTP, useFactory: () => new HttpService(own) },
        ],
      }),
    );
    registry = app.get(CircuitBreakerRegistry);
  });
  afterEach(async () => {
    await app.close();
    await upstream.close();
  });

  describe.each(Object.keys(clients))('through %s', (client) => {
    it.each(adapters)(
      'adapter %s: opens the origin, then is refused without reaching the server',
      async (_, adapter) => {
        const http = await clients[client]!();
        const send = (path: string) =>
          firstValueFrom(http.get(`${upstream.origin}${path}`, { adapter }));
        const customBefore = customCalls;
        for (let i = 0; i < 2; i++) await send('/status/500').catch(() => undefined);
        expect(upstream.hits('/status/500')).toBe(2);
        if (adapter === custom) expect(customCalls - customBefore).toBe(2); // its own adapter ran
        expect(circuit()?.state).toBe(CircuitState.Open);

        const hits = upstream.hits();
        const connections = upstream.connections;
        await expect(send('/ok')).rejects.toBeInstanceOf(CircuitOpenError);
        expect(upstream.hits()).toBe(hits);
        expect(upstream.connections).toBe(connections);
      },
    );
  });

  it('protects once: a request through its instance’s own (protected) adapter counts once', async () => {
    const http = app.get(HttpService);
    await firstValueFrom(http.get(`${upstream.origin}/ok`, { adapter: 'fetch' }));
    expect(circuit()?.stats().successes).toBe(1);
    // Another protected instance's adapter, named by a request: not wrapped a second time.
    const payments = app.get(PaymentsClient).http;
    const adapter = payments.axiosRef.defaults.adapter;
    await firstValueFrom(http.get(`${upstream.origin}/ok`, { adapter }));
    expect(circuit()?.stats().successes).toBe(2);
  });

  it('protects an adapter set on the instance after start-up', async () => {
    const before = own.defaults.adapter;
    own.defaults.adapter = 'fetch';
    try {
      await firstValueFrom(app.app.get<HttpService>(OWN_HTTP).get(`${upstream.origin}/ok`));
      expect(circuit()?.stats().successes).toBe(1);
    } finally {
      own.defaults.adapter = before;
    }
  });

  it('protects an adapter set by an interceptor added after start-up', async () => {
    const http = app.app.get<HttpService>(OWN_HTTP);
    const id = own.interceptors.request.use((config) => ({ ...config, adapter: 'fetch' }));
    try {
      await firstValueFrom(http.get(`${upstream.origin}/ok`));
      expect(circuit()?.stats().successes).toBe(1);
    } finally {
      own.interceptors.request.eject(id);
    }
  });
});

describe('outbound: shutdown leaves an axios instance as it was', () => {
  it('puts back its adapter and removes what it added', async () => {
    const instance = axios.create();
    const adapter = instance.defaults.adapter;
    const handlers = (instance.interceptors.request as unknown as { handlers: unknown[] }).handlers;
    const before = [...handlers];
    const app = await startApp(
      moduleOf({
        imports: [CircuitBreakerModule.forRoot({ outbound: { httpService: true } })],
        providers: [{ provide: OWN_HTTP, useFactory: () => new HttpService(instance) }],
      }),
    );
    expect(instance.defaults.adapter).not.toBe(adapter);
    await app.close();
    expect(instance.defaults.adapter).toBe(adapter);
    expect((instance.interceptors.request as unknown as { handlers: unknown[] }).handlers).toEqual(
      before,
    );

    // Unprotected again: a failing upstream opens no circuit, requests reach it.
    const upstream = await startUpstream();
    try {
      for (let i = 0; i < 6; i++) {
        await instance.get(`${upstream.origin}/status/500`, { adapter: 'fetch' }).catch(() => {});
      }
      expect(upstream.hits('/status/500')).toBe(6);
    } finally {
      await upstream.close();
    }
  });
});
