import { jest } from '@jest/globals';
import {
  Controller,
  Get,
  Injectable,
  Module,
  type BeforeApplicationShutdown,
} from '@nestjs/common';
import {
  CircuitBreaker,
  CircuitBreakerModule,
  CircuitBreakerRegistry,
  CircuitSnapshotError,
  type CircuitRegistrySnapshot,
} from '../../lib/index.js';
import { json, startApp, type RunningApp } from './support/start-app.js';

// The registry's snapshot() and restore(): an app that restarts (a rolling deploy, a serverless
// cold start) picks its circuits up where the last one left them, without a shared store.

/** Where the app keeps its snapshot between runs (a file, a bucket…): here, a variable. */
let saved: string | undefined;

@Controller('stock')
class StockController {
  failing = true;

  @Get()
  @CircuitBreaker({ name: 'inventory', failureThreshold: 2, resetTimeoutMs: 60_000 })
  async stock(): Promise<string> {
    if (this.failing) throw new Error('inventory down');
    return 'in stock';
  }
}

/**
 * As the README shows it: restores the saved snapshot as the app is built (before the decorated
 * methods have circuits), saves one as the app stops.
 */
@Injectable()
class SnapshotKeeper implements BeforeApplicationShutdown {
  constructor(private readonly registry: CircuitBreakerRegistry) {
    if (saved !== undefined) registry.restore(JSON.parse(saved) as CircuitRegistrySnapshot);
  }

  beforeApplicationShutdown(): void {
    saved = JSON.stringify(this.registry.snapshot());
  }
}

@Module({
  imports: [
    CircuitBreakerModule.forRoot({ circuits: { ledger: { failureThreshold: 1 } }, maxCircuits: 3 }),
  ],
  controllers: [StockController],
  providers: [SnapshotKeeper],
})
class AppModule {}

describe('CircuitBreakerRegistry snapshot() and restore()', () => {
  let app: RunningApp | undefined;

  beforeEach(() => (saved = undefined));
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  async function tripInventory(): Promise<void> {
    for (let i = 0; i < 2; i++) expect((await fetch(`${app!.url}/stock`)).status).toBe(500);
    expect((await fetch(`${app!.url}/stock`)).status).toBe(503);
  }

  it('a restarted app refuses calls to the circuit that was open, with the time it had left', async () => {
    app = await startApp(AppModule);
    await tripInventory();
    const registry = app.get(CircuitBreakerRegistry);
    registry.forceOpen('ledger');
    await app.close(); // SnapshotKeeper saves

    app = await startApp(AppModule); // SnapshotKeeper restores while the app is being built
    const restored = app.get(CircuitBreakerRegistry);
    const response = await fetch(`${app.url}/stock`);
    expect(response.status).toBe(503);
    const retryAfter = Number(response.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(await json(response)).toMatchObject({ circuit: 'inventory' });
    expect(restored.get('inventory')!.stats()).toMatchObject({
      state: 'open',
      failures: 2,
      rejections: 2, // one before the restart, one after
    });
    expect(restored.get('ledger')!.state).toBe('forced_open'); // built from circuits[name] at bootstrap
  });

  it('keeps a snapshot of a circuit not built yet until it is', async () => {
    app = await startApp(AppModule);
    const registry = app.get(CircuitBreakerRegistry);
    registry.getOrCreate('late').forceOpen();
    const snapshot = registry.snapshot();
    await app.close();
    saved = undefined;

    app = await startApp(AppModule);
    const restarted = app.get(CircuitBreakerRegistry);
    restarted.restore(snapshot);
    expect(restarted.has('late')).toBe(false);
    expect(restarted.getOrCreate('late').state).toBe('forced_open');
    restarted.remove('late');
    expect(restarted.getOrCreate('late').state).toBe('closed'); // taken once
  });

  /**
   * An app whose `inventory` circuit tripped and `late` was forced open, reset after a snapshot
   * of both was taken; the snapshot spoiled by giving `late` the backoff step `backoffStep`.
   */
  async function spoiledSnapshot(backoffStep: number) {
    app = await startApp(AppModule);
    const registry = app.get(CircuitBreakerRegistry);
    await tripInventory();
    registry.getOrCreate('late').forceOpen();
    const snapshot = registry.snapshot();
    registry.resetAll();
    const spoiled = {
      ...snapshot,
      circuits: snapshot.circuits.map((circuit) =>
        circuit.name === 'late' ? { ...circuit, backoffStep } : circuit,
      ),
    };
    return { registry, spoiled };
  }

  it('restores nothing, not even the circuits built later, when one circuit of the snapshot is wrong', async () => {
    const { registry, spoiled } = await spoiledSnapshot(-1);
    registry.remove('late');
    expect(() => registry.restore(spoiled)).toThrow(CircuitSnapshotError);
    expect(() => registry.restore(spoiled)).toThrow(/"circuits\[\d\]\.backoffStep" must be/);
    expect(registry.get('inventory')!.state).toBe('closed');
    expect(registry.getOrCreate('late').state).toBe('closed');
  });

  it('restores nothing when a built circuit’s options refuse its backoff step; one not built yet starts afresh', async () => {
    // A backoffMultiplier of 1 (the default) never backs off: no circuit of it writes step 3.
    const { registry, spoiled } = await spoiledSnapshot(3);
    expect(() => registry.restore(spoiled)).toThrow(
      /"circuits\[\d\]\.backoffStep" must be at most 0/,
    );
    expect(registry.get('inventory')!.state).toBe('closed');
    expect(registry.get('late')!.state).toBe('closed');

    registry.remove('late'); // not built: its options are not known until it is
    registry.restore(spoiled);
    expect(registry.get('inventory')!.state).toBe('open');
    const warn = jest.spyOn(process, 'emitWarning').mockImplementation(() => {});
    try {
      expect(registry.getOrCreate('late').state).toBe('closed');
      expect(warn.mock.calls).toEqual([
        [
          expect.stringMatching(/^Circuit "late" starts afresh: .*"backoffStep" must be at most 0/),
          'CircuitSnapshotWarning',
        ],
      ]);
    } finally {
      warn.mockRestore();
    }
  });

  it('refuses a snapshot naming a circuit twice, or more circuits than maxCircuits', async () => {
    app = await startApp(AppModule);
    const registry = app.get(CircuitBreakerRegistry);
    const snapshot = registry.snapshot();
    const inventory = snapshot.circuits.find(({ name }) => name === 'inventory')!;
    expect(() =>
      registry.restore({ ...snapshot, circuits: [inventory, { ...inventory }] }),
    ).toThrow(/"circuits\[1\]\.name" must be a name no other circuit has/);
    const many = ['a', 'b', 'c', 'd'].map((name) => ({ ...inventory, name }));
    expect(() => registry.restore({ ...snapshot, circuits: many })).toThrow(
      /"circuits" must be at most maxCircuits \(3\)/,
    );
    expect(() => registry.restore({ ...snapshot, version: 0 } as never)).toThrow(
      /"version" must be 1 \(an older version/,
    );
  });

  it('a later restore() replaces what an earlier one left waiting', async () => {
    app = await startApp(AppModule);
    const registry = app.get(CircuitBreakerRegistry);
    registry.getOrCreate('late').forceOpen();
    const withLate = registry.snapshot();
    registry.remove('late');
    registry.restore(withLate);
    registry.restore({ ...withLate, circuits: [] });
    expect(registry.getOrCreate('late').state).toBe('closed');
  });
});
