import { HttpModule, HttpService } from '@nestjs/axios';
import { Controller, Get, Inject, Injectable, Scope } from '@nestjs/common';
import { firstValueFrom } from 'rxjs';
import { CircuitBreakerModule, CircuitBreakerRegistry } from '../../lib/index.js';
import { moduleOf, startApp, type RunningApp } from '../core/support/start-app.js';
import { startUpstream, type Upstream } from './support/upstream.js';

// Request-scoped HttpService instances (built per request, after start-up) are protected too:
// they use their module's axios instance, whose adapter was wrapped at module init.

let upstream: Upstream;

/** A request-scoped HttpService over HttpModule's axios instance, built per request. */
const SCOPED_HTTP = 'SCOPED_HTTP';

@Injectable({ scope: Scope.REQUEST })
class ScopedClient {
  constructor(@Inject(SCOPED_HTTP) readonly http: HttpService) {}
}

@Controller()
class StockController {
  static built = 0;
  constructor(private readonly client: ScopedClient) {
    StockController.built++;
  }

  @Get('stock')
  async stock() {
    return (await firstValueFrom(this.client.http.get(`${upstream.origin}/ok`))).status;
  }
}

describe('outbound: request-scoped HttpService', () => {
  let app: RunningApp;

  beforeEach(async () => {
    upstream = await startUpstream();
    app = await startApp(
      moduleOf({
        imports: [HttpModule, CircuitBreakerModule.forRoot({ outbound: { httpService: true } })],
        controllers: [StockController],
        providers: [
          ScopedClient,
          {
            provide: SCOPED_HTTP,
            scope: Scope.REQUEST,
            useFactory: (shared: HttpService) => new HttpService(shared.axiosRef),
            inject: [HttpService],
          },
        ],
      }),
    );
  });
  afterEach(async () => {
    await app.close();
    await upstream.close();
  });

  it('puts each request’s own HttpService through the origin’s circuit', async () => {
    for (let i = 0; i < 3; i++) expect(await (await fetch(`${app.url}/stock`)).text()).toBe('200');
    expect(StockController.built).toBe(3); // one per request, each with its HttpService
    const circuit = app.get(CircuitBreakerRegistry).get(`outbound:${upstream.origin}`);
    expect(circuit?.stats().successes).toBe(3);
  });
});
