import { jest } from '@jest/globals';
import { BadRequestException } from '@nestjs/common';
import fc from 'fast-check';
import {
  CallTimeoutError,
  Circuit,
  CircuitOpenError,
  type CircuitOptions,
} from '../../lib/index.js';

// A model-based test: random sequences of calls, clock advances and manual commands, run
// against the engine and against a small reference model written from API.md section 1 (not
// from the engine's code); after every step, both must agree on the state, the caller's answer
// and the counters.
//
// Restrictions, so that the model can stay small: calls are sequential (the exact half-open
// permits under concurrency have their own test); jitter is 0 (tested on its own); the rolling
// window is far longer than any run (1e9 ms), so no call ever leaves it (expiry, which is as
// precise as one tenth of the window, is tested on its own); call durations never equal the
// timeout or the slow-call duration.

const TIMEOUT_MS = 80;
const SLOW_MS = 50;

interface Config {
  failureThreshold: number;
  failureRateThreshold: number | undefined;
  slowCalls: boolean;
  minimumThroughput: number;
  resetTimeoutMs: number;
  backoffMultiplier: number;
  maxResetTimeoutMs: number;
  successThreshold: number;
  timeout: boolean;
}

type Kind = 'success' | 'failure' | 'ignored';
type Answer = 'value' | 'error' | 'rejected' | 'timeout';
type State = 'closed' | 'open' | 'half_open' | 'forced_open' | 'disabled';

/** The circuit as API.md describes it. Times are Date.now() values. */
class Model {
  state: State = 'closed';
  consecutive = 0;
  window = { calls: 0, failures: 0, slow: 0 };
  openUntil = 0;
  failedProbes = 0;
  probeSuccesses = 0;
  counts = { successes: 0, failures: 0, rejections: 0, ignored: 0, timeouts: 0, slowCalls: 0 };

  constructor(readonly config: Config) {}

  /** Open turns half-open once the open duration has passed, when the circuit is used or read. */
  read(now: number): State {
    if (this.state === 'open' && now >= this.openUntil) {
      this.state = 'half_open';
      this.probeSuccesses = 0;
    }
    return this.state;
  }

  call(kind: Kind, durationMs: number, start: number): Answer {
    const state = this.read(start);
    if (state === 'open' || state === 'forced_open') {
      this.counts.rejections++;
      return 'rejected';
    }
    const timedOut = this.config.timeout && durationMs > TIMEOUT_MS;
    const ran = timedOut ? TIMEOUT_MS : durationMs;
    const end = start + ran;
    const slow = this.config.slowCalls && ran >= SLOW_MS;
    const outcome: Kind = timedOut ? 'failure' : kind;
    if (slow) this.counts.slowCalls++;
    if (timedOut) this.counts.timeouts++;
    if (outcome === 'success') this.counts.successes++;
    else if (outcome === 'failure') this.counts.failures++;
    else this.counts.ignored++;

    if (state === 'half_open') {
      // A probe: a counted failure (or a slow probe, when slowness is watched) reopens it.
      if (outcome === 'failure' || slow) {
        this.failedProbes++;
        this.open(end);
      } else if (outcome === 'success' && ++this.probeSuccesses >= this.config.successThreshold) {
        this.close();
      }
    } else if (outcome !== 'ignored') {
      this.window.calls++;
      if (outcome === 'failure') this.window.failures++;
      if (slow) this.window.slow++;
      this.consecutive = outcome === 'failure' ? this.consecutive + 1 : 0;
      if (state === 'closed' && this.tripped()) this.open(end);
    }
    return timedOut ? 'timeout' : outcome === 'success' ? 'value' : 'error';
  }

  command(name: 'reset' | 'forceOpen' | 'disable' | 'release'): void {
    if (name === 'reset') {
      for (const key of Object.keys(this.counts)) this.counts[key as keyof Model['counts']] = 0;
      this.close();
    } else if (name === 'forceOpen') this.state = 'forced_open';
    else if (name === 'disable') {
      if (this.state === 'disabled') return; // already: a command, not a reset
      this.state = 'disabled';
      this.afresh();
    } else if (this.state === 'forced_open' || this.state === 'disabled') this.close();
  }

  private tripped(): boolean {
    const { failureThreshold, failureRateThreshold, slowCalls, minimumThroughput } = this.config;
    const { calls, failures, slow } = this.window;
    return (
      this.consecutive >= failureThreshold ||
      (failureRateThreshold !== undefined &&
        calls >= minimumThroughput &&
        failures / calls >= failureRateThreshold) ||
      (slowCalls && calls >= minimumThroughput && slow / calls >= 0.5)
    );
  }

  private open(now: number): void {
    const { resetTimeoutMs, backoffMultiplier, maxResetTimeoutMs } = this.config;
    const cap = Math.max(maxResetTimeoutMs, resetTimeoutMs);
    this.state = 'open';
    this.openUntil = now + Math.min(resetTimeoutMs * backoffMultiplier ** this.failedProbes, cap);
  }

  private close(): void {
    this.state = 'closed';
    this.afresh();
  }

  private afresh(): void {
    this.consecutive = 0;
    this.failedProbes = 0;
    this.window = { calls: 0, failures: 0, slow: 0 };
  }
}

interface Real {
  circuit: Circuit;
}

function expectAgreement(model: Model, { circuit }: Real): void {
  const now = Date.now();
  const expected = model.read(now);
  const stats = circuit.stats();
  expect(stats.state).toBe(expected);
  expect({
    consecutiveFailures: stats.consecutiveFailures,
    successes: stats.successes,
    failures: stats.failures,
    rejections: stats.rejections,
    ignored: stats.ignored,
    timeouts: stats.timeouts,
    slowCalls: stats.slowCalls,
    retryAfterMs: stats.retryAfterMs,
  }).toEqual({
    consecutiveFailures: model.consecutive,
    ...model.counts,
    retryAfterMs: expected === 'open' ? Math.ceil(model.openUntil - now) : 0,
  });
  const { failureRateThreshold, slowCalls } = model.config;
  if (failureRateThreshold !== undefined || slowCalls) {
    expect(stats.windowCalls).toBe(model.window.calls);
    expect(stats.windowFailures).toBe(model.window.failures);
  }
}

class CallCommand implements fc.AsyncCommand<Model, Real> {
  constructor(
    readonly kind: Kind,
    readonly durationMs: number,
  ) {}
  check = () => true;
  async run(model: Model, real: Real): Promise<void> {
    const expected = model.call(this.kind, this.durationMs, Date.now());
    const error = this.kind === 'ignored' ? new BadRequestException('bad') : new Error('down');
    const fn = () =>
      new Promise<string>((resolve, reject) => {
        const settle = () => (this.kind === 'success' ? resolve('value') : reject(error));
        if (this.durationMs === 0) settle();
        else setTimeout(settle, this.durationMs);
      });
    // A refusal is thrown at once while the circuit has seen no promise from this function yet.
    let answer: Promise<{ value: unknown } | { thrown: unknown }>;
    try {
      answer = real.circuit.execute(fn).then(
        (value) => ({ value }),
        (thrown: unknown) => ({ thrown }),
      );
    } catch (thrown) {
      answer = Promise.resolve({ thrown });
    }
    await jest.advanceTimersByTimeAsync(this.durationMs);
    const outcome = await answer;
    if (expected === 'value') expect(outcome).toEqual({ value: 'value' });
    else if (expected === 'error')
      expect(outcome).toEqual({ thrown: error }); // the same object
    else if (expected === 'rejected')
      expect((outcome as { thrown: unknown }).thrown).toBeInstanceOf(CircuitOpenError);
    else expect((outcome as { thrown: unknown }).thrown).toBeInstanceOf(CallTimeoutError);
    expectAgreement(model, real);
  }
  toString = () => `call(${this.kind}, ${this.durationMs} ms)`;
}

class AdvanceCommand implements fc.AsyncCommand<Model, Real> {
  constructor(readonly ms: number) {}
  check = () => true;
  async run(model: Model, real: Real): Promise<void> {
    await jest.advanceTimersByTimeAsync(this.ms);
    expectAgreement(model, real);
  }
  toString = () => `advance(${this.ms} ms)`;
}

class ManualCommand implements fc.AsyncCommand<Model, Real> {
  constructor(readonly name: 'reset' | 'forceOpen' | 'disable' | 'release') {}
  check = () => true;
  async run(model: Model, real: Real): Promise<void> {
    model.read(Date.now());
    model.command(this.name);
    real.circuit[this.name]();
    expectAgreement(model, real);
  }
  toString = () => this.name;
}

const configs = fc.record<Config>({
  failureThreshold: fc.integer({ min: 1, max: 4 }),
  failureRateThreshold: fc.option(fc.constantFrom(0.25, 0.5, 1), { nil: undefined }),
  slowCalls: fc.boolean(),
  minimumThroughput: fc.integer({ min: 1, max: 5 }),
  resetTimeoutMs: fc.constantFrom(100, 250),
  backoffMultiplier: fc.constantFrom(1, 2),
  maxResetTimeoutMs: fc.constantFrom(300, 1_000),
  successThreshold: fc.integer({ min: 1, max: 3 }),
  timeout: fc.boolean(),
});

const commands = fc.commands(
  [
    fc
      .tuple(
        fc.constantFrom<Kind>('success', 'success', 'failure', 'failure', 'ignored'),
        fc.constantFrom(0, 0, 30, 60, 120),
      )
      .map(([kind, duration]) => new CallCommand(kind, duration)),
    fc.constantFrom(10, 50, 100, 300).map((ms) => new AdvanceCommand(ms)),
    fc
      .constantFrom('reset', 'forceOpen', 'disable', 'release' as const)
      .map((name) => new ManualCommand(name)),
  ],
  { maxCommands: 40 },
);

function optionsOf(config: Config): CircuitOptions {
  return {
    failureThreshold: config.failureThreshold,
    failureRateThreshold: config.failureRateThreshold,
    slowCallDurationMs: config.slowCalls ? SLOW_MS : undefined,
    slowCallRateThreshold: config.slowCalls ? 0.5 : undefined,
    minimumThroughput: config.minimumThroughput,
    windowMs: 1e9,
    resetTimeoutMs: config.resetTimeoutMs,
    backoffMultiplier: config.backoffMultiplier,
    maxResetTimeoutMs: config.maxResetTimeoutMs,
    successThreshold: config.successThreshold,
    timeoutMs: config.timeout ? TIMEOUT_MS : undefined,
  };
}

describe('Circuit against a reference model of API.md', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('agrees with the model on every step of random sequences', async () => {
    await fc.assert(
      fc.asyncProperty(configs, commands, async (config, sequence) => {
        const setup = () => ({
          model: new Model(config),
          real: { circuit: new Circuit('model', optionsOf(config)) },
        });
        await fc.asyncModelRun(setup, sequence);
      }),
      { numRuns: Number(process.env.MODEL_RUNS ?? 1_500) },
    );
  }, 120_000);
});
