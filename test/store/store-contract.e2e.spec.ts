import { jest } from '@jest/globals';
import {
  CircuitBreakerModule,
  CircuitState,
  InMemoryCircuitStore,
  type CircuitStore,
  type SharedStateRecord,
} from '../../lib/index.js';
import { moduleOf, startupError } from '../core/support/start-app.js';
import { Logs } from './support/logs.js';
import { ANY_REPLICA_OPENS, Replica, tripNow } from './support/replica.js';
import { waitFor } from './support/wait-for.js';

// A store is the user's code: one that lacks a member fails start-up, naming it; one whose
// load() answers nothing, or throws, or rejects, is a store without a record.

describe('CircuitBreakerModule.forRoot({ store }) checks the store at start-up', () => {
  it.each([
    [
      '{}',
      {},
      /store must be a CircuitStore; it has no connect\(\), load\(\), save\(\), acquire\(\), disconnect\(\)/,
    ],
    [
      'a store without acquire()',
      { connect() {}, load: async () => undefined, save() {}, disconnect: async () => {} },
      /it has no acquire\(\) \(implement every member of CircuitStore/,
    ],
    [
      'null',
      null,
      /store must be a CircuitStore \(such as new RedisCircuitStore\(redis\)\), got null/,
    ],
    ['a string', 'redis://localhost', /got "redis:\/\/localhost"/],
  ])(
    'store: %s fails start-up with a message naming what is missing',
    async (_, store, message) => {
      const error = await startupError(
        moduleOf({ imports: [CircuitBreakerModule.forRoot({ store: store as CircuitStore })] }),
      );
      expect(error).toBeInstanceOf(TypeError);
      expect(String(error)).toMatch(message);
    },
  );

  it('a store that has every member starts', async () => {
    const error = await startupError(
      moduleOf({ imports: [CircuitBreakerModule.forRoot({ store: new InMemoryCircuitStore() })] }),
    );
    expect(error).toBeUndefined();
  });
});

/**
 * An in-memory store whose `load()` misbehaves as `load` says. Any one application's trip opens
 * the circuit for all: what it shares is then seen at once.
 */
class StoreWithLoad extends InMemoryCircuitStore {
  loads = 0;
  constructor(private readonly misbehave: () => Promise<SharedStateRecord | null | undefined>) {
    super({ fleet: ANY_REPLICA_OPENS });
  }
  override load(): Promise<SharedStateRecord | undefined> {
    this.loads++;
    return this.misbehave() as Promise<SharedStateRecord | undefined>;
  }
}

describe('a store whose load() has no record to give', () => {
  let replicas: Replica[] = [];
  afterEach(() => Promise.all(replicas.map((replica) => replica.close())));

  it.each([
    ['resolves with null', () => Promise.resolve(null)],
    ['resolves with undefined', () => Promise.resolve(undefined)],
    [
      'throws synchronously',
      (): never => {
        throw new Error('load exploded');
      },
    ],
    ['rejects', () => Promise.reject(new Error('load failed'))],
    ['returns null instead of a promise', () => null as unknown as Promise<null>],
    ['resolves with a string', () => Promise.resolve('garbage' as unknown as SharedStateRecord)],
  ])('%s: the circuit starts closed, works, and still shares its states', async (_, load) => {
    const store = new StoreWithLoad(load);
    const logs = new Logs();
    const processWarnings = jest.spyOn(process, 'emitWarning');
    try {
      replicas = [await Replica.start(store), await Replica.start(store)];
      const [a, b] = replicas as [Replica, Replica];
      await new Promise((resolve) => setImmediate(resolve)); // every load has answered
      expect(store.loads).toBe(2);
      expect([a.circuit.state, b.circuit.state]).toEqual([
        CircuitState.Closed,
        CircuitState.Closed,
      ]);
      await expect(a.client.charge()).resolves.toBe('charged');
      tripNow(a.circuit);
      expect(b.circuit.state).toBe(CircuitState.Open);
      expect(a.registry.stats()).toHaveLength(1);
      // Nothing to report but the openings (the module logs state changes): there was no record.
      expect(logs.warnings().filter((line) => !line.startsWith('Circuit "'))).toEqual([]);
      expect(processWarnings).not.toHaveBeenCalled();
    } finally {
      processWarnings.mockRestore();
      logs.restore();
    }
  });
});

describe('a store whose connect() or disconnect() fails', () => {
  it.each([
    [
      'connect() throws',
      class extends InMemoryCircuitStore {
        override connect(): void {
          throw new Error('connect exploded');
        }
      },
    ],
    [
      'connect() rejects',
      class extends InMemoryCircuitStore {
        override connect(): Promise<void> {
          return Promise.reject(new Error('connect failed'));
        }
      },
    ],
  ])('%s: the application starts on local state, with a warning', async (_, Store) => {
    const logs = new Logs();
    try {
      const replica = await Replica.start(new Store());
      await expect(replica.client.charge()).resolves.toBe('charged');
      expect(logs.warnings(replica.loggers.sharing)).toEqual([
        expect.stringMatching(/store unavailable at start-up.*connect (exploded|failed)/),
      ]);
      await replica.close();
    } finally {
      logs.restore();
    }
  });

  it('disconnect() rejects: the application still shuts down, with a warning', async () => {
    class Store extends InMemoryCircuitStore {
      override disconnect(): Promise<void> {
        return Promise.reject(new Error('disconnect failed'));
      }
    }
    const logs = new Logs();
    try {
      const replica = await Replica.start(new Store());
      const sharing = replica.loggers.sharing;
      await expect(replica.close()).resolves.toBeUndefined();
      expect(logs.warnings(sharing)).toEqual([expect.stringContaining('disconnect failed')]);
    } finally {
      logs.restore();
    }
  });
});

describe('a store whose connect() or disconnect() never settles', () => {
  jest.setTimeout(60_000); // past every deadline of waitFor(): a test that hangs names what it waited for
  const never = () => new Promise<never>(() => {});

  it('connect(): the application starts on local state once storeTimeoutMs (default 5000) has passed, with one warning', async () => {
    class Store extends InMemoryCircuitStore {
      override connect(): Promise<void> {
        return never();
      }
    }
    const logs = new Logs();
    let replica: Replica | undefined;
    try {
      const starting = Replica.start(new Store()).then((started) => (replica = started));
      await waitFor(() => replica !== undefined, 'the application to start', 15_000);
      await starting;
      await expect(replica!.client.charge()).resolves.toBe('charged');
      expect(logs.warnings(replica!.loggers.sharing)).toEqual([
        expect.stringMatching(
          /store unavailable at start-up.*store\.connect\(\) did not settle within 5000 ms \(storeTimeoutMs\)/,
        ),
      ]);
    } finally {
      await replica?.close();
      logs.restore();
    }
  });

  it('disconnect(): app.close() returns once storeTimeoutMs has passed, with one warning', async () => {
    class Store extends InMemoryCircuitStore {
      override disconnect(): Promise<void> {
        return never();
      }
    }
    const logs = new Logs();
    try {
      const replica = await Replica.start(new Store(), { storeTimeoutMs: 200 });
      const sharing = replica.loggers.sharing;
      let closed = false;
      const closing = replica.close().then(() => (closed = true));
      await waitFor(() => closed, 'app.close() to return', 15_000);
      await closing;
      expect(logs.warnings(sharing)).toEqual([
        expect.stringContaining('store.disconnect() did not settle within 200 ms'),
      ]);
    } finally {
      logs.restore();
    }
  });

  it.each([0, -1, 1.5, Number.NaN, 2 ** 31, '100'])(
    'storeTimeoutMs: %p fails start-up, naming the option',
    async (storeTimeoutMs) => {
      const error = await startupError(
        moduleOf({
          imports: [
            CircuitBreakerModule.forRoot({
              store: new InMemoryCircuitStore(),
              storeTimeoutMs: storeTimeoutMs as number,
            }),
          ],
        }),
      );
      expect(String(error)).toMatch(/storeTimeoutMs must be a whole number of milliseconds/);
    },
  );
});
