import { jest } from '@jest/globals';
import {
  Body,
  Controller,
  Delete,
  Get,
  Injectable,
  Module,
  Param,
  Post,
  type OnModuleDestroy,
  type OnModuleInit,
} from '@nestjs/common';
import type { Subscription } from 'rxjs';
import {
  Circuit,
  CircuitBreaker,
  CircuitBreakerModule,
  CircuitBreakerRegistry,
  CircuitState,
  UnknownCircuitError,
  type CircuitOptions,
  type CircuitStateChange,
} from '../../lib/index.js';
import { freezeEngineClock } from './support/engine-clock.js';
import { json, sleep, startApp, type RunningApp } from './support/start-app.js';

const ISO_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

@Injectable()
class Worker {
  failing = false;
  delayMs = 0;

  @CircuitBreaker({ name: 'work', failureThreshold: 2, resetTimeoutMs: 100 })
  async work(): Promise<string> {
    return this.answer();
  }

  @CircuitBreaker({
    name: 'rated',
    failureThreshold: Infinity,
    failureRateThreshold: 0.5,
    slowCallDurationMs: 30,
    slowCallRateThreshold: 0.5,
    minimumThroughput: 4,
  })
  async rated(): Promise<string> {
    return this.answer();
  }

  private async answer(): Promise<string> {
    if (this.delayMs > 0) await sleep(this.delayMs);
    if (this.failing) throw new Error('work failed');
    return 'done';
  }
}

/** A service that injects the registry: the circuits that refuse calls, and a log of events$. */
@Injectable()
class CircuitStatus implements OnModuleInit, OnModuleDestroy {
  readonly changes: CircuitStateChange[] = [];
  private subscription?: Subscription;
  constructor(private readonly registry: CircuitBreakerRegistry) {}

  onModuleInit(): void {
    this.subscription = this.registry.events$.subscribe((change) => this.changes.push(change));
  }

  onModuleDestroy(): void {
    this.subscription?.unsubscribe();
  }

  refusing(): string[] {
    return this.registry.openCircuits();
  }
}

const COMMANDS = {
  reset: 'reset',
  'force-open': 'forceOpen',
  disable: 'disable',
  release: 'release',
} as const;

/** A controller that injects the registry and serves each of its members. */
@Controller('ops')
class OpsController {
  constructor(
    private readonly registry: CircuitBreakerRegistry,
    private readonly status: CircuitStatus,
    private readonly worker: Worker,
  ) {}

  @Get('work')
  work() {
    return this.worker.work();
  }

  @Get('rated')
  rated() {
    return this.worker.rated();
  }

  @Get('names')
  names() {
    return this.registry.names();
  }

  @Get('all')
  all() {
    return this.registry.all().map((circuit) => ({
      name: circuit.name,
      isCircuit: circuit instanceof Circuit,
    }));
  }

  @Get('stats')
  stats() {
    return this.registry.stats();
  }

  @Get('open')
  open() {
    return this.status.refusing();
  }

  @Get('circuits/:name')
  get(@Param('name') name: string) {
    const circuit = this.registry.get(name);
    return { has: this.registry.has(name), state: circuit?.state ?? null };
  }

  @Post('circuits/:name')
  create(@Param('name') name: string, @Body() options: CircuitOptions) {
    const circuit = this.registry.getOrCreate(name, options);
    return { name: circuit.name, failureThreshold: circuit.options.failureThreshold };
  }

  @Delete('circuits/:name')
  remove(@Param('name') name: string) {
    return { removed: this.registry.remove(name) };
  }

  @Post('circuits/:name/:command')
  command(@Param('name') name: string, @Param('command') command: keyof typeof COMMANDS) {
    this.registry[COMMANDS[command]](name);
    return { state: this.registry.get(name)!.state };
  }

  @Post('reset-all')
  resetAll() {
    this.registry.resetAll();
    return this.registry.stats().map(({ name, state }) => ({ name, state }));
  }
}

@Module({
  imports: [CircuitBreakerModule.forRoot({ circuits: { billing: {}, search: {} } })],
  controllers: [OpsController],
  providers: [Worker, CircuitStatus],
})
class AppModule {}

describe('CircuitBreakerRegistry, injected in a service and a controller', () => {
  let running: RunningApp;
  let worker: Worker;
  beforeEach(async () => {
    running = await startApp(AppModule);
    worker = running.get(Worker);
  });
  afterEach(() => {
    jest.restoreAllMocks();
    return running.close();
  });

  const get = async (path: string) => {
    const response = await fetch(`${running.url}${path}`);
    const text = await response.text();
    return { status: response.status, body: text.startsWith('{') ? JSON.parse(text) : text };
  };
  const send = async (method: 'POST' | 'DELETE', path: string, body?: object) => {
    const response = await fetch(`${running.url}${path}`, {
      method,
      headers: { 'content-type': 'application/json' },
      body: body && JSON.stringify(body),
    });
    return { status: response.status, body: await json(response) };
  };
  const getList = async (path: string) => (await fetch(`${running.url}${path}`)).json();

  it('names(), all(), has(), get(), getOrCreate() and remove()', async () => {
    expect(await getList('/ops/names')).toEqual(['work', 'rated', 'billing', 'search']);
    expect(await getList('/ops/all')).toEqual(
      ['work', 'rated', 'billing', 'search'].map((name) => ({ name, isCircuit: true })),
    );
    expect((await get('/ops/circuits/billing')).body).toEqual({ has: true, state: 'closed' });
    expect((await get('/ops/circuits/nope')).body).toEqual({ has: false, state: null });

    expect((await send('POST', '/ops/circuits/adhoc', { failureThreshold: 2 })).body).toEqual({
      name: 'adhoc',
      failureThreshold: 2,
    });
    // The circuit exists: getOrCreate returns it as it is.
    expect((await send('POST', '/ops/circuits/adhoc', { failureThreshold: 7 })).body).toEqual({
      name: 'adhoc',
      failureThreshold: 2,
    });
    const registry = running.get(CircuitBreakerRegistry);
    expect(registry.getOrCreate('adhoc')).toBe(registry.get('adhoc'));
    expect((await send('DELETE', '/ops/circuits/adhoc')).body).toEqual({ removed: true });
    expect((await send('DELETE', '/ops/circuits/adhoc')).body).toEqual({ removed: false });
    expect((await get('/ops/circuits/adhoc')).body).toEqual({ has: false, state: null });
  });

  it('stats() and openCircuits() (open or forced open)', async () => {
    // Open for a minute: the machine's speed cannot make it half-open before it is read.
    const registry = running.get(CircuitBreakerRegistry);
    const tripped = registry.getOrCreate('tripped', {
      failureThreshold: 2,
      resetTimeoutMs: 60_000,
    });
    for (let i = 0; i < 2; i++) {
      await tripped.execute(() => Promise.reject(new Error('down'))).catch(() => {});
    }
    await send('POST', '/ops/circuits/billing/force-open');
    await send('POST', '/ops/circuits/search/disable');
    expect(await getList('/ops/open')).toEqual(['billing', 'tripped']);
    const stats = (await getList('/ops/stats')) as Array<Record<string, unknown>>;
    expect(stats.map(({ name, state }) => [name, state])).toEqual([
      ['work', 'closed'],
      ['rated', 'closed'],
      ['billing', 'forced_open'],
      ['search', 'disabled'],
      ['tripped', 'open'],
    ]);
    expect(stats[4]).toMatchObject({ failures: 2, consecutiveFailures: 2, totalCalls: 2 });
    expect(stats[4]!.retryAfterMs).toBeGreaterThan(0);
  });

  it('forceOpen(), release(), disable(), reset() and resetAll() steer the circuits calls go through', async () => {
    expect((await send('POST', '/ops/circuits/work/force-open')).body).toEqual({
      state: 'forced_open',
    });
    const refused = await get('/ops/work');
    expect(refused).toMatchObject({ status: 503, body: { circuit: 'work', retryAfterMs: 1_000 } });
    expect((await send('POST', '/ops/circuits/work/release')).body).toEqual({ state: 'closed' });
    expect((await fetch(`${running.url}/ops/work`)).status).toBe(200);

    await send('POST', '/ops/circuits/work/disable');
    worker.failing = true;
    for (let i = 0; i < 4; i++) expect((await get('/ops/work')).status).toBe(500); // never opens
    expect(running.get(CircuitBreakerRegistry).get('work')!.state).toBe(CircuitState.Disabled);
    await send('POST', '/ops/circuits/work/release');

    // 'work' half-opens 100 ms after it opens (for the events$ test): the engine's clock stands
    // still until the refusal, so that a slow machine cannot let the third call through as a probe.
    const clock = freezeEngineClock();
    await get('/ops/work');
    await get('/ops/work');
    expect((await get('/ops/work')).status).toBe(503);
    clock.restore();
    expect((await send('POST', '/ops/circuits/work/reset')).body).toEqual({ state: 'closed' });
    worker.failing = false;
    expect((await fetch(`${running.url}/ops/work`)).status).toBe(200);

    await send('POST', '/ops/circuits/billing/force-open');
    await send('POST', '/ops/circuits/search/disable');
    expect((await send('POST', '/ops/reset-all')).body).toEqual([
      { name: 'work', state: 'closed' },
      { name: 'rated', state: 'closed' },
      { name: 'billing', state: 'closed' },
      { name: 'search', state: 'closed' },
    ]);
  });

  it('history(name) gives a circuit’s last state changes; an unknown name throws', () => {
    const registry = running.get(CircuitBreakerRegistry);
    registry.forceOpen('billing');
    registry.release('billing');
    expect(registry.history('billing').map(({ to }) => to)).toEqual(['forced_open', 'closed']);
    expect(() => registry.history('nope')).toThrow(UnknownCircuitError);
  });

  it('answers an unknown name with UnknownCircuitError, a 404', async () => {
    for (const command of Object.keys(COMMANDS)) {
      expect(await send('POST', `/ops/circuits/nope/${command}`)).toEqual({
        status: 404,
        body: { statusCode: 404, error: 'Not Found', message: 'No circuit named "nope"' },
      });
    }
    const registry = running.get(CircuitBreakerRegistry);
    for (const command of Object.values(COMMANDS)) {
      expect(() => registry[command]('nope')).toThrow(
        expect.objectContaining({ name: 'UnknownCircuitError', circuit: 'nope' }),
      );
    }
  });

  it('events$ tells every state change of every circuit: { circuit, from, to, at, reason }', async () => {
    const { changes } = running.get(CircuitStatus);
    const started = Date.now();
    worker.failing = true;
    await get('/ops/work');
    await get('/ops/work'); // closed → open
    await sleep(120);
    await get('/ops/work'); // open → half-open, the probe fails: → open
    await sleep(120);
    worker.failing = false;
    await get('/ops/work'); // open → half-open, the probe succeeds: → closed
    const registry = running.get(CircuitBreakerRegistry);
    registry.forceOpen('billing');
    registry.release('billing');
    registry.disable('billing');
    registry.release('billing');
    registry.forceOpen('billing');
    registry.reset('billing');
    const later = registry.getOrCreate('later', { failureThreshold: 1 }); // built after subscribing
    await expect(later.execute(() => Promise.reject(new Error('down')))).rejects.toThrow('down');

    expect(changes.map(({ circuit, from, to, reason }) => [circuit, from, to, reason])).toEqual([
      ['work', 'closed', 'open', 'consecutive_failures'],
      ['work', 'open', 'half_open', 'reset_timeout_elapsed'],
      ['work', 'half_open', 'open', 'probe_failed'],
      ['work', 'open', 'half_open', 'reset_timeout_elapsed'],
      ['work', 'half_open', 'closed', 'probes_succeeded'],
      ['billing', 'closed', 'forced_open', 'forced_open'],
      ['billing', 'forced_open', 'closed', 'released'],
      ['billing', 'closed', 'disabled', 'disabled'],
      ['billing', 'disabled', 'closed', 'released'],
      ['billing', 'closed', 'forced_open', 'forced_open'],
      ['billing', 'forced_open', 'closed', 'reset'],
      ['later', 'closed', 'open', 'consecutive_failures'],
    ]);
    for (const { at } of changes) {
      expect(at).toMatch(ISO_TIME);
      expect(Date.parse(at)).toBeGreaterThanOrEqual(started);
      expect(Date.parse(at)).toBeLessThanOrEqual(Date.now());
    }
    expect(changes.map(({ at }) => at)).toEqual(changes.map(({ at }) => at).sort());
  });

  it('events$ tells rate-rule openings, and no longer tells of a removed circuit', async () => {
    const { changes } = running.get(CircuitStatus);
    worker.failing = true;
    await get('/ops/rated');
    await get('/ops/rated');
    worker.failing = false;
    await get('/ops/rated');
    await get('/ops/rated'); // 2 of 4 failed: the failure rate reaches 0.5
    const registry = running.get(CircuitBreakerRegistry);
    registry.reset('rated');
    worker.delayMs = 40;
    for (let i = 0; i < 4; i++) await get('/ops/rated'); // every call slow
    expect(changes.map(({ circuit, to, reason }) => [circuit, to, reason])).toEqual([
      ['rated', 'open', 'failure_rate'],
      ['rated', 'closed', 'reset'],
      ['rated', 'open', 'slow_call_rate'],
    ]);

    const removed = registry.get('search')!;
    registry.remove('search');
    removed.forceOpen(); // whoever still holds it may use it; the registry does not hear of it
    expect(changes.some(({ circuit }) => circuit === 'search')).toBe(false);
    registry.getOrCreate('search').forceOpen(); // a new circuit of that name
    expect(changes.at(-1)).toMatchObject({ circuit: 'search', to: 'forced_open' });
  });
});
