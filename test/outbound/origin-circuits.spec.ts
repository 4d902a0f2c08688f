import { jest } from '@jest/globals';
import {
  CircuitBreakerRegistry,
  CircuitOpenError,
  CircuitOptionsError,
  CircuitState,
  TooManyOriginsError,
} from '../../lib/index.js';
import type { HttpReply } from '../../lib/outbound/outbound-reply.js';
import { OutboundCircuits } from '../../lib/outbound/outbound-circuits.js';
import { resolveOutboundOptions } from '../../lib/outbound/resolve-outbound-options.js';
import { originOf } from '../../lib/outbound/origin-of.js';

// The origin circuits on their own: names, per-origin options, the bounds (maxOrigins, idle
// eviction that never drops an open or forced circuit), and the start-up checks.

function setUp(outbound: object, maxCircuits?: number) {
  const registry = new CircuitBreakerRegistry({ maxCircuits });
  const circuits = new OutboundCircuits(registry, resolveOutboundOptions(outbound));
  /** One request answered with `status` (and `retryAfter`, the header's value). */
  const call = (origin: string, status = 200, retryAfter?: string) =>
    circuits.call<HttpReply>({
      origin,
      idempotent: true,
      send: () => Promise.resolve({ status, retryAfter }),
      replyOf: (answer, thrown) => (thrown ? undefined : (answer as HttpReply)),
    });
  /** `count` requests to `origin` in flight together, each answered when the test says. */
  const inFlight = (origin: string, count: number) => {
    const answers: Array<(reply: HttpReply) => void> = [];
    const calls = Array.from({ length: count }, () =>
      circuits.call<HttpReply>({
        origin,
        idempotent: true,
        send: () => new Promise((resolve) => answers.push(resolve)),
        replyOf: (value, thrown) => (thrown ? undefined : (value as HttpReply)),
      }),
    );
    return { calls, answers };
  };
  return { registry, circuits, call, inFlight };
}

const origin = (i: number) => `http://host-${i}.example.com`;

describe('outbound origin circuits', () => {
  it('reads the origin of a URL only: scheme, host and port, never path, query or credentials', () => {
    expect(originOf('https://user:pw@API.Example.com:443/v1/pay?token=x#f')).toBe(
      'https://api.example.com',
    );
    expect(originOf('http://10.0.0.7:8080/x')).toBe('http://10.0.0.7:8080');
    expect(originOf('ftp://example.com')).toBeUndefined();
    expect(originOf('/relative')).toBeUndefined();
  });

  it('builds each origin’s circuit from defaults, then its wildcard, then its exact entry', async () => {
    const { registry, call } = setUp({
      defaults: { failureThreshold: 7, timeoutMs: 1_000 },
      origins: {
        'https://*.example.com': { timeoutMs: 2_000 },
        'https://*.eu.example.com': { timeoutMs: 3_000 },
        'https://payments.example.com': { failureThreshold: 2 },
      },
    });
    for (const url of [
      'https://payments.example.com',
      'https://a.example.com',
      'https://b.eu.example.com',
      'https://other.org',
      'https://a.example.com:8443',
    ]) {
      await call(url);
    }
    const options = (name: string) => registry.get(`outbound:${name}`)!.options;
    expect(options('https://payments.example.com')).toMatchObject({
      failureThreshold: 2,
      timeoutMs: 2_000,
    });
    expect(options('https://a.example.com').timeoutMs).toBe(2_000);
    expect(options('https://b.eu.example.com').timeoutMs).toBe(3_000);
    expect(options('https://other.org')).toMatchObject({ failureThreshold: 7, timeoutMs: 1_000 });
    expect(options('https://a.example.com:8443').timeoutMs).toBe(1_000); // another port
  });

  it.each([
    [{ maxOrigins: 0 }, 'outbound.maxOrigins'],
    [{ idleMs: -1 }, 'outbound.idleMs'],
    [{ fetch: 'local' }, 'outbound.fetch'],
    [{ httpService: 'yes' }, 'outbound.httpService'],
    [
      { origins: { 'https://x.example.com/v1': {} } },
      'outbound.origins["https://x.example.com/v1"]',
    ],
    [{ origins: { 'https://x.example.com': { failureThreshold: -1 } } }, 'failureThreshold'],
    [{ defaults: { resetTimeoutMs: 'soon' } }, 'resetTimeoutMs'],
  ])('refuses %j at start-up with a CircuitOptionsError naming %s', (outbound, option) => {
    let thrown: unknown;
    try {
      resolveOutboundOptions(outbound);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(CircuitOptionsError);
    expect((thrown as CircuitOptionsError).option).toBe(option);
  });

  it('keeps at most maxOrigins circuits under 1,000 distinct origins, and never drops an open or forced one', async () => {
    const { registry, circuits, call } = setUp({
      maxOrigins: 50,
      defaults: { failureThreshold: 1, resetTimeoutMs: 600_000 },
    });
    await call(origin(0), 500); // opens
    await call(origin(1));
    registry.forceOpen(`outbound:${origin(1)}`);
    await call(origin(2));
    registry.disable(`outbound:${origin(2)}`);
    const kept = [0, 1, 2].map((i) => registry.get(`outbound:${origin(i)}`));
    for (let i = 3; i < 1_000; i++) await call(origin(i));
    expect(circuits.size).toBe(50);
    expect(registry.all().length).toBe(50);
    expect([0, 1, 2].map((i) => registry.get(`outbound:${origin(i)}`))).toEqual(kept);
    expect(kept.map((circuit) => circuit!.state)).toEqual([
      CircuitState.Open,
      CircuitState.ForcedOpen,
      CircuitState.Disabled,
    ]);
    // The open origin still refuses locally.
    await expect(call(origin(0))).rejects.toBeInstanceOf(CircuitOpenError);
  });

  it('refuses a new origin with TooManyOriginsError when no circuit can make room', async () => {
    const { call } = setUp({ maxOrigins: 2, defaults: { failureThreshold: 1 } });
    await call(origin(0), 500);
    await call(origin(1), 500);
    await expect(call(origin(2))).rejects.toBeInstanceOf(TooManyOriginsError);
  });

  it('counts its circuits against the registry’s maxCircuits too', async () => {
    const { call } = setUp({ maxOrigins: 100 }, 3);
    await call(origin(0));
    await call(origin(1));
    await call(origin(2));
    await expect(call(origin(3))).rejects.toThrow(/maxCircuits \(3\)/);
  });

  it('carries a held origin over a restart in a snapshot: the new process refuses it at once', async () => {
    const before = setUp({});
    await before.call(origin(0), 503, '120');
    const snapshot = before.registry.snapshot();
    const after = setUp({}); // a new process: its origin circuits are built on first use
    after.registry.restore(snapshot);
    const refused = await after.call(origin(0)).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(CircuitOpenError);
    expect((refused as CircuitOpenError).retryAfterMs).toBeGreaterThan(100_000);
    expect(after.registry.get(`outbound:${origin(0)}`)!.stats()).toMatchObject({
      state: CircuitState.Open,
      failures: 0,
    });
  });

  describe('idle eviction', () => {
    beforeEach(() => jest.useFakeTimers());
    afterEach(() => jest.useRealTimers());

    it('removes closed idle origins after idleMs, keeping open ones and those in use', async () => {
      const { registry, call, inFlight } = setUp({
        idleMs: 60_000,
        defaults: { failureThreshold: 1, resetTimeoutMs: 600_000 },
      });
      await call(origin(0)); // closed, will be idle
      await call(origin(1), 500); // open
      const busy = inFlight(origin(2), 1);
      jest.advanceTimersByTime(60_000);
      await call(origin(3)); // a new origin: the sweep runs
      expect(registry.has(`outbound:${origin(0)}`)).toBe(false);
      expect(registry.has(`outbound:${origin(1)}`)).toBe(true);
      expect(registry.has(`outbound:${origin(2)}`)).toBe(true);
      busy.answers[0]!({ status: 200, retryAfter: undefined });
      await busy.calls[0];
    });

    it('takes the 429s of requests in flight together as one hold, unless one asks for longer', async () => {
      const { registry, inFlight } = setUp({});
      const { answers, calls: sent } = inFlight(origin(0), 5);
      const calls = sent.map((call) => call.catch(() => undefined));
      // Each read a little later than the one before: the same Retry-After, and a longer one.
      for (const retryAfter of ['30', '30', '30', '30', '60']) {
        answers.shift()!({ status: 429, retryAfter });
        await jest.advanceTimersByTimeAsync(10); // its answer is judged, then time passes
      }
      await Promise.all(calls);
      const circuit = registry.get(`outbound:${origin(0)}`)!;
      expect(circuit.history().map(({ from, to, reason }) => `${from}→${to} ${reason}`)).toEqual([
        'closed→open retry_after',
        'open→open retry_after',
      ]);
      expect(circuit.stats()).toMatchObject({ retryAfterMs: 60_000 - 10, failures: 0 });
    });

    it.each([
      ['forward', 60_000, '30', ['closed→open retry_after'], 30_000],
      ['back', -60_000, '60', ['closed→open retry_after', 'open→open retry_after'], 60_000],
    ])(
      'judges a hold in force by the circuit’s own clock: the wall clock stepped %s changes nothing',
      async (_, step, retryAfter, history, left) => {
        const { registry, inFlight } = setUp({});
        const { answers, calls } = inFlight(origin(0), 2);
        answers[0]!({ status: 429, retryAfter: '30' });
        await calls[0];
        jest.setSystemTime(Date.now() + step); // NTP, or by hand: performance.now() keeps on
        answers[1]!({ status: 429, retryAfter });
        await calls[1];
        const circuit = registry.get(`outbound:${origin(0)}`)!;
        expect(circuit.history().map(({ from, to, reason }) => `${from}→${to} ${reason}`)).toEqual(
          history,
        );
        expect(circuit.stats().retryAfterMs).toBe(left);
      },
    );

    it('keeps an origin held by Retry-After: its circuit is open until then', async () => {
      const { registry, call } = setUp({ idleMs: 60_000, maxOrigins: 2 });
      await call(origin(0), 429, '120'); // held for 2 minutes
      const held = registry.get(`outbound:${origin(0)}`)!;
      expect(held.stats()).toMatchObject({ state: CircuitState.Open, failures: 0 });
      jest.advanceTimersByTime(60_000);
      await call(origin(1)); // a new origin: the sweep runs, and finds the held one in force
      expect(registry.get(`outbound:${origin(0)}`)).toBe(held);
      await expect(call(origin(0))).rejects.toMatchObject({ retryAfterMs: 60_000 });
      jest.advanceTimersByTime(60_000);
      await call(origin(0)); // the wait is over: a probe, which closes it
      expect(held.state).toBe(CircuitState.Closed);
    });
  });
});
