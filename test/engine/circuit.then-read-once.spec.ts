import { Circuit, type CircuitOptions } from '../../lib/index.js';

// A sync call's returned value has its `then` read once, and what that read gave decides: a
// function makes the value a thenable, settled through that very function; anything else a
// plain value, answered at once. A getter that answers differently on a later read (or throws
// then) must change nothing: not the outcome, not when the bulkhead's place is given back.

/** A value whose `then` getter counts its reads and answers each as `answers` says. */
function shiftyThenable(answers: (read: number) => 'then' | 'nothing' | 'throw') {
  let reads = 0;
  let settle: ((value: unknown) => void) | undefined;
  const value = Object.defineProperty({}, 'then', {
    get() {
      const answer = answers(++reads);
      if (answer === 'throw') throw new Error(`then read ${reads} times`);
      if (answer === 'nothing') return undefined;
      return (resolve: (value: unknown) => void) => (settle = resolve);
    },
  });
  return {
    value,
    reads: () => reads,
    /** Settles the thenable, if its `then` was called. */
    resolve: () => settle?.('answered'),
    thenCalled: () => settle !== undefined,
  };
}

const FIRST_THEN = (read: number) => (read === 1 ? 'then' : 'nothing');
const FIRST_NOTHING = (read: number) => (read === 1 ? 'nothing' : 'then');
const THROWS_LATER = (read: number) => (read === 1 ? 'then' : 'throw');

const CIRCUITS: Array<[string, CircuitOptions]> = [
  ['no bulkhead', {}],
  ['no bulkhead, timed', { timeoutMs: 60_000 }],
  ['a bulkhead', { maxConcurrent: 1 }],
  ['a bulkhead, timed', { maxConcurrent: 1, timeoutMs: 60_000 }],
];

const HOW: Array<[string, (circuit: Circuit, value: unknown) => unknown]> = [
  ['executeSync', (circuit, value) => circuit.executeSync(() => value)],
  ['wrapSync', (circuit, value) => circuit.wrapSync((given: unknown) => given)(value)],
];

/** Several promise reactions and a macrotask: whatever the value's settling starts is done. */
const settled = () => new Promise((resolve) => setImmediate(resolve));

describe.each(CIRCUITS)('a sync call’s thenable, %s', (_name, options) => {
  const active = (circuit: Circuit) => circuit.stats().bulkhead?.active ?? 0;
  const place = options.maxConcurrent === undefined ? 0 : 1;

  describe.each(HOW)('through %s', (_how, call) => {
    it('a `then` that is a function on its first read only: a thenable, waited for', async () => {
      const circuit = new Circuit('inventory', options);
      const shifty = shiftyThenable(FIRST_THEN);
      const result = call(circuit, shifty.value);
      await settled();
      expect(shifty.thenCalled()).toBe(true);
      expect({ active: active(circuit), inFlight: circuit.stats().inFlight }).toEqual({
        active: place,
        inFlight: 1,
      });
      shifty.resolve();
      await expect(result).resolves.toBe('answered');
      expect({ active: active(circuit), successes: circuit.stats().successes }).toEqual({
        active: 0,
        successes: 1,
      });
      expect(shifty.reads()).toBe(1);
    });

    it('a `then` that throws on its second read: the first read is used, nothing fails', async () => {
      const circuit = new Circuit('inventory', options);
      const shifty = shiftyThenable(THROWS_LATER);
      const result = call(circuit, shifty.value);
      await settled();
      expect({ active: active(circuit), failures: circuit.stats().failures }).toEqual({
        active: place,
        failures: 0,
      });
      shifty.resolve();
      await expect(result).resolves.toBe('answered');
      expect({ active: active(circuit), successes: circuit.stats().successes }).toEqual({
        active: 0,
        successes: 1,
      });
      expect(shifty.reads()).toBe(1);
    });

    it('a `then` that is a function from its second read on: a plain value, answered at once', async () => {
      const circuit = new Circuit('inventory', options);
      const shifty = shiftyThenable(FIRST_NOTHING);
      expect(call(circuit, shifty.value)).toBe(shifty.value);
      expect({ active: active(circuit), successes: circuit.stats().successes }).toEqual({
        active: 0,
        successes: 1,
      });
      await settled();
      expect({ reads: shifty.reads(), thenCalled: shifty.thenCalled() }).toEqual({
        reads: 1,
        thenCalled: false,
      });
      expect(active(circuit)).toBe(0); // given back once: not below nothing
    });
  });
});
