import { Module } from '@nestjs/common';
import {
  CircuitBreakerModule,
  CircuitBreakerRegistry,
  CircuitOptionsError,
  CircuitState,
  type CircuitBreakerSnapshotsOptions,
  type CircuitRegistrySnapshot,
} from '../../lib/index.js';
import { startApp, startupError } from './support/start-app.js';

// Issue 18, item 3: saving at shutdown alone loses everything when the process crashes or when
// the app never enabled shutdown hooks. With `snapshots`, the module also saves periodically.

/** Polls `condition` every 10 ms, for 10 s at most: the machine may be slow, never the test. */
async function until(what: string, condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

function appWith(snapshots: CircuitBreakerSnapshotsOptions) {
  @Module({
    imports: [
      CircuitBreakerModule.forRoot({ circuits: { payments: {}, inventory: {} }, snapshots }),
    ],
  })
  class AppModule {}
  return AppModule;
}

const stateOf = (snapshot: CircuitRegistrySnapshot | undefined, name: string) =>
  snapshot?.circuits.find((circuit) => circuit.name === name)?.state;

describe('snapshots: saved periodically and at shutdown, restored at start-up', () => {
  it('saves every saveIntervalMs while the application runs', async () => {
    const saved: CircuitRegistrySnapshot[] = [];
    const app = await startApp(appWith({ save: (s) => void saved.push(s), saveIntervalMs: 20 }));
    try {
      app.get(CircuitBreakerRegistry).forceOpen('payments');
      await until('a save after the change', () =>
        saved.some((s) => stateOf(s, 'payments') === CircuitState.ForcedOpen),
      );
      const count = saved.length;
      await until('another save', () => saved.length > count);
    } finally {
      await app.close();
    }
  });

  it('saves once more at app.close(), with the circuits as they are then', async () => {
    const saved: CircuitRegistrySnapshot[] = [];
    const app = await startApp(appWith({ save: (s) => void saved.push(s), saveIntervalMs: 0 }));
    app.get(CircuitBreakerRegistry).forceOpen('inventory');
    expect(saved).toEqual([]);
    await app.close();
    expect(saved).toHaveLength(1);
    expect(stateOf(saved[0], 'inventory')).toBe(CircuitState.ForcedOpen);
    expect(stateOf(saved[0], 'payments')).toBe(CircuitState.Closed);
  });

  it('restores what load() gives before the application serves', async () => {
    let saved: CircuitRegistrySnapshot | undefined;
    const first = await startApp(appWith({ save: (s) => void (saved = s) }));
    first.get(CircuitBreakerRegistry).forceOpen('payments');
    await first.close();
    const second = await startApp(appWith({ save: () => {}, load: () => saved }));
    try {
      expect(second.get(CircuitBreakerRegistry).get('payments')!.state).toBe(
        CircuitState.ForcedOpen,
      );
    } finally {
      await second.close();
    }
  });

  it('starts closed when load() fails or gives a snapshot it cannot restore', async () => {
    for (const load of [
      () => Promise.reject(new Error('no such file')),
      () => ({ version: 999 }) as unknown as CircuitRegistrySnapshot,
    ]) {
      const app = await startApp(appWith({ save: () => {}, load }));
      try {
        expect(app.get(CircuitBreakerRegistry).get('payments')!.state).toBe(CircuitState.Closed);
      } finally {
        await app.close();
      }
    }
  });

  it('never lets a failing save stop the application or its shutdown', async () => {
    let tries = 0;
    const app = await startApp(
      appWith({
        save: () => {
          tries++;
          throw new Error('disk full');
        },
        saveIntervalMs: 10,
      }),
    );
    await until('two tries', () => tries >= 2);
    await app.close();
  });

  it.each([
    [{ save: 'file.json' }, 'snapshots.save'],
    [{ save: () => {}, load: 'file.json' }, 'snapshots.load'],
    [{ save: () => {}, saveIntervalMs: -1 }, 'snapshots.saveIntervalMs'],
    [{ save: () => {}, saveIntervalMs: 1.5 }, 'snapshots.saveIntervalMs'],
    [{ save: () => {}, saveIntervalMs: 2 ** 31 }, 'snapshots.saveIntervalMs'],
    [{ save: () => {}, intervalMs: 1_000 }, 'snapshots.intervalMs'],
    [null, 'snapshots'],
  ])('refuses %p at start-up, naming %s', async (snapshots, option) => {
    const error = await startupError(appWith(snapshots as never));
    expect(error).toBeInstanceOf(CircuitOptionsError);
    expect((error as CircuitOptionsError).option).toBe(option);
  });
});
