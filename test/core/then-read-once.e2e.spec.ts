import { Injectable } from '@nestjs/common';
import { CircuitBreaker, CircuitBreakerModule, CircuitBreakerRegistry } from '../../lib/index.js';
import { moduleOf, startApp, type RunningApp } from './support/start-app.js';

// A decorated method's returned value has its `then` read once, as the engine's own calls do
// (test/engine/circuit.then-read-once.spec.ts): what that read gave decides, and a getter that
// answers otherwise on a later read (a proxy, a lazy query object) changes nothing.

/** What a sync method returns: a class, so TypeScript records its return type as a value. */
class Reply {
  reads = 0;
  thenCalled = false;
}

/** A Reply whose `then` getter counts its reads and answers each as `answers` says. */
function shifty(answers: (read: number) => 'then' | 'nothing' | 'throw'): Reply {
  const reply = new Reply();
  return Object.defineProperty(reply, 'then', {
    get() {
      const answer = answers(++reply.reads);
      if (answer === 'throw') throw new Error(`then read ${reply.reads} times`);
      if (answer === 'nothing') return undefined;
      return (resolve: (value: unknown) => void) => {
        reply.thenCalled = true;
        resolve('answered by then');
      };
    },
  });
}

const FIRST_NOTHING = (read: number) => (read === 1 ? 'nothing' : 'then');
const FIRST_THEN = (read: number) => (read === 1 ? 'then' : 'nothing');
const ALWAYS_THROWS = () => 'throw' as const;

@Injectable()
class Ledger {
  next: Reply = new Reply();

  @CircuitBreaker({ name: 'sync-with-fallback', fallback: () => new Reply() })
  entry(): Reply {
    return this.next;
  }

  // No return type written: the first call finds out what comes back.
  @CircuitBreaker({ name: 'undeclared' })
  undeclared() {
    return this.next as unknown;
  }

  @CircuitBreaker({ name: 'undeclared-with-fallback', fallback: () => 'fallback' })
  undeclaredWithFallback() {
    return this.next as unknown;
  }
}

describe('a decorated method’s returned value has its `then` read once', () => {
  let running: RunningApp;
  let ledger: Ledger;
  let registry: CircuitBreakerRegistry;
  beforeEach(async () => {
    running = await startApp(
      moduleOf({ imports: [CircuitBreakerModule.forRoot()], providers: [Ledger] }),
    );
    ledger = running.get(Ledger);
    registry = running.get(CircuitBreakerRegistry);
  });
  afterEach(() => running.close());

  it.each([
    ['no function on its first read', FIRST_NOTHING],
    ['a getter that throws', ALWAYS_THROWS],
  ])(
    'a sync method with a fallback returns a value the circuit took for one (%s) as it is',
    (_, answers) => {
      const reply = (ledger.next = shifty(answers));
      expect(ledger.entry()).toBe(reply);
      expect(reply.reads).toBe(1);
      expect(reply.thenCalled).toBe(false);
      expect(registry.get('sync-with-fallback')!.stats()).toMatchObject({
        successes: 1,
        failures: 0,
      });
    },
  );

  it.each(['undeclared', 'undeclaredWithFallback'] as const)(
    '%s: a thenable on the first call’s one read is adopted through that read',
    async (method) => {
      const reply = (ledger.next = shifty(FIRST_THEN));
      await expect(ledger[method]()).resolves.toBe('answered by then');
      expect(reply.reads).toBe(1);
      expect(reply.thenCalled).toBe(true);
    },
  );
});
