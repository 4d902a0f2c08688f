import {
  Global,
  Inject,
  Injectable,
  Module,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AdminTokenGuard, CircuitBreakerModule } from '../../lib/index.js';
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
class HeaderTokenGuard implements CanActivate {
  constructor(@Inject(ADMIN_TOKEN) private readonly token: string) {}

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<{ headers: Record<string, string> }>();
    return request.headers['x-admin-token'] === this.token;
  }
}

@Global()
@Module({ providers: [{ provide: ADMIN_TOKEN, useValue: 's3cret' }], exports: [ADMIN_TOKEN] })
class SecretsModule {}

/** Every admin route that reads or steers circuits, the event stream included. */
const routes = [
  ['GET', ''],
  ['GET', '/inventory'],
  ['GET', '/inventory/history'],
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

  it('serves the dashboard page itself, which holds no data, so that a browser can open it and sign in', async () => {
    app = await startAdminApp({ guards: [RefuseGuard] });
    const response = await fetch(`${app.admin}/dashboard`);
    expect(response.status).toBe(200);
    const page = await response.text();
    expect(page).toContain('id="signin"');
    expect(page).not.toContain('inventory');
  });

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
          admin: { guards: [HeaderTokenGuard] },
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

describe.each(['express', 'fastify'] as const)('AdminTokenGuard on %s', (adapter) => {
  const token = 'a-long-admin-token-0123456789';
  let app: AdminApp;
  beforeAll(
    async () => (app = await startAdminApp({ guards: [new AdminTokenGuard(token)] }, adapter)),
  );
  afterAll(() => app.close());

  it.each([
    ['no Authorization header', {}],
    ['another token', { authorization: 'Bearer a-long-admin-token-0123456788' }],
    ['a prefix of the token', { authorization: 'Bearer a-long-admin-token' }],
    ['the token without Bearer', { authorization: token }],
    ['the token as Basic', { authorization: `Basic ${token}` }],
  ])('answers 401 to %s, and nothing changes', async (_, headers: Record<string, string>) => {
    expect((await fetch(app.admin, { headers })).status).toBe(401);
    expect((await post(`${app.admin}/inventory/force-open`, headers)).status).toBe(401);
    expect((await fetch(`${app.admin}/events`, { headers })).status).toBe(401);
    expect(app.registry.get('inventory')!.state).toBe('closed');
  });

  it('lets through Authorization: Bearer <token>, the event stream included', async () => {
    const headers = { authorization: `Bearer ${token}` };
    expect((await fetch(app.admin, { headers })).status).toBe(200);
    expect(
      (await fetch(app.admin, { headers: { authorization: `bearer  ${token}` } })).status,
    ).toBe(200);
    const stream = await EventStream.open(`${app.admin}/events`, headers);
    expect(stream.status).toBe(200);
    await stream.next(({ type }) => type === 'circuits');
    stream.close();
    expect((await post(`${app.admin}/inventory/force-open`, headers)).status).toBe(200);
    expect(app.registry.get('inventory')!.state).toBe('forced_open');
  });
});

describe('AdminTokenGuard’s token', () => {
  it('is refused at start-up when it is short enough to guess, or not a string', () => {
    expect(() => new AdminTokenGuard('s3cret')).toThrow(/at least 16 characters.*got 6 characters/);
    expect(() => new AdminTokenGuard(undefined as unknown as string)).toThrow(/got undefined/);
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
