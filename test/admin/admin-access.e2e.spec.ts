import {
  Global,
  Inject,
  Injectable,
  Module,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { CircuitBreakerModule } from '../../lib/index.js';
import { startApp } from '../core/support/start-app.js';
import { post, startAdminApp, type AdminApp } from './support/admin-app.js';
import { EventStream } from './support/event-stream.js';

class RefuseGuard implements CanActivate {
  canActivate(): boolean {
    return false;
  }
}

const ADMIN_TOKEN = Symbol('ADMIN_TOKEN');

/** A guard with a dependency, as a real one has: from a global module. */
@Injectable()
class AdminTokenGuard implements CanActivate {
  constructor(@Inject(ADMIN_TOKEN) private readonly token: string) {}

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<{ headers: Record<string, string> }>();
    return request.headers['x-admin-token'] === this.token;
  }
}

@Global()
@Module({ providers: [{ provide: ADMIN_TOKEN, useValue: 's3cret' }], exports: [ADMIN_TOKEN] })
class SecretsModule {}

/** Every admin route, the dashboard and the event stream included. */
const routes = [
  ['GET', ''],
  ['GET', '/inventory'],
  ['GET', '/dashboard'],
  ['GET', '/events'],
  ['POST', '/inventory/reset'],
  ['POST', '/inventory/force-open'],
  ['POST', '/inventory/disable'],
  ['POST', '/inventory/release'],
] as const;

describe('the admin API’s guards', () => {
  let app: AdminApp;
  afterEach(() => app?.close());

  it.each(routes)(
    'a guard that refuses answers 403 to %s %s, and nothing changes',
    async (method, path) => {
      app = await startAdminApp({ guards: [RefuseGuard] });
      const response = await fetch(`${app.admin}${path}`, { method });
      expect(response.status).toBe(403);
      expect(app.registry.get('inventory')!.state).toBe('closed');
    },
  );

  it('a guard instance works as a guard class does', async () => {
    app = await startAdminApp({ guards: [new RefuseGuard()] }, 'fastify');
    expect((await fetch(app.admin)).status).toBe(403);
    expect((await fetch(`${app.admin}/events`)).status).toBe(403);
  });

  it('a guard class gets its dependencies from global modules, and lets the right caller through', async () => {
    @Module({
      imports: [
        SecretsModule,
        CircuitBreakerModule.forRoot({
          circuits: { inventory: {} },
          admin: { guards: [AdminTokenGuard] },
        }),
      ],
    })
    class GuardedApp {}
    const running = await startApp(GuardedApp);
    app = { ...running, registry: undefined!, admin: `${running.url}/circuit-breakers` };

    expect((await fetch(app.admin)).status).toBe(403);
    const allowed = { 'x-admin-token': 's3cret' };
    expect((await fetch(app.admin, { headers: allowed })).status).toBe(200);
    expect((await post(`${app.admin}/inventory/force-open`, allowed)).status).toBe(200);
    const stream = await EventStream.open(`${app.admin}/events`, allowed);
    expect(stream.status).toBe(200);
    await stream.next(({ type }) => type === 'circuits');
    stream.close();
  });
});

describe('turning the admin API on', () => {
  it('is off unless asked for: nothing answers under the path', async () => {
    const app = await startAdminApp(undefined);
    try {
      expect((await fetch(app.admin)).status).toBe(404);
      expect((await fetch(`${app.admin}/dashboard`)).status).toBe(404);
    } finally {
      await app.close();
    }
  });

  it('without a guard and without public: true, fails in forRoot() / forRootAsync(), before the app starts, saying how to add a guard or go public', () => {
    const message =
      /needs a guard.*admin: \{ guards: \[MyAdminGuard\] \}.*admin: \{ public: true \}/s;
    expect(() => CircuitBreakerModule.forRoot({ admin: {} })).toThrow(message);
    expect(() => CircuitBreakerModule.forRoot({ admin: { guards: [] } })).toThrow(message);
    expect(() => CircuitBreakerModule.forRoot({ admin: { public: false } })).toThrow(message);
    expect(() =>
      CircuitBreakerModule.forRootAsync({ useFactory: () => ({}), admin: { path: 'ops' } }),
    ).toThrow(message);
  });

  it('rejects malformed admin options at start-up, naming the option', () => {
    const forRoot = (admin: object) => () => CircuitBreakerModule.forRoot({ admin });
    expect(forRoot({ public: true, path: '' })).toThrow(/admin\.path/);
    expect(forRoot({ guards: ['AdminGuard'] })).toThrow(/admin\.guards/);
    expect(forRoot({ public: 'yes' })).toThrow(/admin\.public/);
    expect(forRoot({ public: true, statsIntervalMs: 0 })).toThrow(/admin\.statsIntervalMs/);
  });

  it('public: true serves it without a guard', async () => {
    const app = await startAdminApp({ public: true });
    try {
      expect((await fetch(app.admin)).status).toBe(200);
      expect((await post(`${app.admin}/inventory/force-open`)).status).toBe(200);
    } finally {
      await app.close();
    }
  });

  it('mounts it at admin.path, under the global prefix, with forRootAsync too', async () => {
    @Module({
      imports: [
        CircuitBreakerModule.forRootAsync({
          useFactory: async () => ({ circuits: { inventory: {} } }),
          admin: { path: 'ops/circuits', public: true },
        }),
      ],
    })
    class AsyncApp {}
    const app = await NestFactory.create(AsyncApp, { logger: false });
    app.setGlobalPrefix('api');
    await app.listen(0, '127.0.0.1');
    try {
      const base = `${(await app.getUrl()).replace('[::1]', '127.0.0.1')}/api/ops/circuits`;
      expect(await (await fetch(`${base}/inventory`)).json()).toMatchObject({ name: 'inventory' });
      const page = await (await fetch(`${base}/dashboard`)).text();
      expect(page).toContain('data-base="/api/ops/circuits"');
    } finally {
      await app.close();
    }
  });
});
