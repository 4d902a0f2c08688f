import { BadRequestException } from '@nestjs/common';
import fc from 'fast-check';
import {
  CallTimeoutError,
  CircuitOpenError,
  type CircuitOptions,
  type CircuitStats,
} from '../../lib/index.js';
import {
  advanceBy,
  agree,
  agreesWithModel,
  expectStats,
  isA,
  iso,
  same,
  type Real,
} from './model-kit.js';

// A model-based test: random sequences of calls (successes, counted failures, ignored errors,
// slow calls, timeouts; sync and async), clock advances, manual commands and holds (the
// dependency asking for room, `holdOpen`), run against the
// engine and against a small reference model of API.md section 1, written from the contract and
// not from the engine's code. After every step both must agree on what the caller got and on
// every field of stats().
//
// Restrictions, so that the model stays small:
// - Calls are sequential. The exact half-open permits under concurrency have their own test.
// - jitter is 0 (it has its own tests), and backoff multipliers are whole, so that open
//   durations are whole milliseconds without rounding.
// - Call durations never equal timeoutMs or slowCallDurationMs (which of two timers due at the
//   same instant fires first is the fake clock's business, not the contract's).
// - The rolling window counts in ten buckets of windowMs / 10: a call leaves it between 0.9 and 1
//   window after it settled, depending on where the bucket edges fall, which the test cannot
//   see (they are aligned on the engine's own clock origin). So the model only lets the circuit
//   be observed (a rule decided at a call's settling, or stats read) at instants when no call in
//   the window is between 0.9 and 1 window old: before each command it waits, if need be, until
//   every such call is a full window old. The model's window is then exact: a call is in it
//   while younger than windowMs. Calls still leave the window one by one, by their age.
// - Documented engine choices API.md leaves open, which the model follows: the rules are checked
//   whenever a call's outcome is counted (so a success can open the circuit when older calls
//   leaving the window raised a rate); probes of a half-open circuit do not feed the window; a
//   slow probe fails when slowCallRateThreshold is set; totalCalls counts rejections; the window
//   fields read 0 when no rate rule is on; an open → half-open change happens, and is dated,
//   when the circuit is used or read.

const SLOW_MS = 50;
const TIMEOUT_MS = 80;
const DURATIONS = [0, 30, 60, 120]; // none equal to SLOW_MS or TIMEOUT_MS

interface Config {
  failureThreshold: number;
  failureRateThreshold: number | undefined;
  /** off: no slowCallDurationMs; counted: slowCallDurationMs only; rule: with slowCallRateThreshold 0.5. */
  slowCalls: 'off' | 'counted' | 'rule';
  minimumThroughput: number;
  windowMs: number;
  resetTimeoutMs: number;
  backoffMultiplier: number;
  maxResetTimeoutMs: number;
  halfOpenMaxCalls: number;
  successThreshold: number;
  timeout: boolean;
}

type Kind = 'success' | 'failure' | 'ignored';
type Expected = 'value' | 'error' | 'rejected' | 'timeout';
type State = 'closed' | 'open' | 'half_open' | 'forced_open' | 'disabled';
type Manual = 'reset' | 'forceOpen' | 'disable' | 'release';

/** The circuit as API.md describes it. Times are Date.now() values. */
class Model {
  state: State = 'closed';
  openUntil = 0;
  failedProbes = 0;
  probeSuccesses = 0;
  consecutive = 0;
  /** Counted outcomes of the closed (or disabled) circuit, by when they settled. */
  window: { at: number; failed: boolean; slow: boolean }[] = [];
  counts = { successes: 0, failures: 0, rejections: 0, ignored: 0, timeouts: 0, slowCalls: 0 };
  lastFailureAt: number | null = null;

  constructor(
    readonly config: Config,
    public lastStateChangeAt: number,
  ) {}

  get hasWindow(): boolean {
    return this.config.failureRateThreshold !== undefined || this.config.slowCalls === 'rule';
  }

  /**
   * An open circuit is half-open once its open duration has passed, seen when it is next used or
   * read, and dated when the period ended.
   */
  read(now: number): State {
    if (this.state === 'open' && now >= this.openUntil) {
      this.to('half_open', this.openUntil); // dated when the open period ended
      this.probeSuccesses = 0;
    }
    return this.state;
  }

  call(kind: Kind, durationMs: number, start: number): Expected {
    const state = this.read(start);
    if (state === 'open' || state === 'forced_open') {
      this.counts.rejections++;
      return 'rejected';
    }
    const timedOut = this.config.timeout && durationMs > TIMEOUT_MS;
    const ran = timedOut ? TIMEOUT_MS : durationMs;
    const end = start + ran;
    const slow = this.config.slowCalls !== 'off' && ran >= SLOW_MS;
    const outcome: Kind = timedOut ? 'failure' : kind;
    if (slow) this.counts.slowCalls++;
    if (timedOut) this.counts.timeouts++;
    if (outcome === 'success') this.counts.successes++;
    else if (outcome === 'ignored') this.counts.ignored++;
    else {
      this.counts.failures++;
      this.lastFailureAt = end;
    }

    if (state === 'half_open') {
      if (outcome === 'failure' || (slow && this.config.slowCalls === 'rule')) {
        this.failedProbes++;
        this.open(end);
      } else if (outcome === 'success' && ++this.probeSuccesses >= this.config.successThreshold) {
        this.close(end);
      }
    } else if (outcome !== 'ignored') {
      this.window.push({ at: end, failed: outcome === 'failure', slow });
      this.consecutive = outcome === 'failure' ? this.consecutive + 1 : 0;
      if (state === 'closed' && this.tripped(end)) this.open(end);
    }
    return timedOut ? 'timeout' : outcome === 'success' ? 'value' : 'error';
  }

  command(name: Manual, now: number): void {
    this.read(now);
    if (name === 'reset') {
      for (const key of Object.keys(this.counts)) this.counts[key as keyof Model['counts']] = 0;
      this.lastFailureAt = null;
      this.close(now);
    } else if (name === 'forceOpen') this.to('forced_open', now);
    else if (name === 'disable') {
      if (this.state !== 'disabled') this.afresh();
      this.to('disabled', now);
    } else if (this.state === 'forced_open' || this.state === 'disabled') this.close(now);
  }

  /**
   * The dependency asked for room: open until `now + ms` (capped as any open period) unless open
   * longer already; no failure counted, no backoff step; forced open and disabled are left alone.
   */
  hold(ms: number, now: number): void {
    const state = this.read(now);
    if (state === 'forced_open' || state === 'disabled') return;
    const { resetTimeoutMs, maxResetTimeoutMs } = this.config;
    const until = now + Math.min(ms, Math.max(maxResetTimeoutMs, resetTimeoutMs));
    if (until === now || (state === 'open' && this.openUntil >= until)) return;
    this.state = 'open';
    this.lastStateChangeAt = now; // a change even from open: the period is a new one
    this.openUntil = until;
  }

  /** The window's calls at `now` (an instant at which none is between 0.9 and 1 window old). */
  windowAt(now: number) {
    this.window = this.window.filter(({ at }) => now - at < this.config.windowMs);
    const calls = this.window.length;
    const failures = this.window.filter((c) => c.failed).length;
    const slow = this.window.filter((c) => c.slow).length;
    return { calls, failures, slow };
  }

  private tripped(now: number): boolean {
    const { failureThreshold, failureRateThreshold, slowCalls, minimumThroughput } = this.config;
    const { calls, failures, slow } = this.windowAt(now);
    return (
      this.consecutive >= failureThreshold ||
      (failureRateThreshold !== undefined &&
        calls >= minimumThroughput &&
        failures / calls >= failureRateThreshold) ||
      (slowCalls === 'rule' && calls >= minimumThroughput && slow / calls >= 0.5)
    );
  }

  private open(now: number): void {
    const { resetTimeoutMs, backoffMultiplier, maxResetTimeoutMs } = this.config;
    const duration = Math.min(
      resetTimeoutMs * backoffMultiplier ** this.failedProbes,
      Math.max(maxResetTimeoutMs, resetTimeoutMs),
    );
    this.to('open', now);
    this.openUntil = now + duration;
  }

  private close(now: number): void {
    this.to('closed', now);
    this.afresh();
  }

  /** Counters, window and backoff start afresh. */
  private afresh(): void {
    this.consecutive = 0;
    this.failedProbes = 0;
    this.window = [];
  }

  private to(state: State, now: number): void {
    if (this.state === state) return;
    this.state = state;
    this.lastStateChangeAt = now;
  }
}

function expectAgreement(model: Model, { circuit }: Real): void {
  const now = Date.now();
  const state = model.read(now);
  const window = model.hasWindow ? model.windowAt(now) : { calls: 0, failures: 0, slow: 0 };
  const { successes, failures, rejections, ignored } = model.counts;
  const expected: Partial<CircuitStats> = {
    name: 'model',
    state: state as CircuitStats['state'],
    consecutiveFailures: model.consecutive,
    totalCalls: successes + failures + rejections + ignored,
    ...model.counts,
    windowCalls: window.calls,
    failureRate: window.calls === 0 ? 0 : window.failures / window.calls,
    slowCallRate: window.calls === 0 ? 0 : window.slow / window.calls,
    lastFailureAt: iso(model.lastFailureAt),
    lastStateChangeAt: iso(model.lastStateChangeAt)!,
    openUntil: state === 'open' ? iso(model.openUntil) : null,
    retryAfterMs: state === 'open' ? model.openUntil - now : 0,
  };
  expectStats(circuit, expected);
}

/** How long to wait first so that no window call is between 0.9 and 1 window old `offsets` later. */
function waitForClearWindow(model: Model, offsets: number[]): number {
  const { windowMs } = model.config;
  const now = Date.now();
  let wait = 0;
  for (let moved = true; moved;) {
    moved = false;
    for (const { at } of model.window) {
      for (const offset of offsets) {
        const age = now + wait + offset - at;
        if (age > 0.9 * windowMs && age < windowMs) {
          wait += windowMs - age;
          moved = true;
        }
      }
    }
  }
  return wait;
}

class CallCommand implements fc.AsyncCommand<Model, Real> {
  constructor(
    readonly kind: Kind,
    readonly durationMs: number,
    readonly sync: boolean,
  ) {}
  check = () => true;

  async run(model: Model, real: Real): Promise<void> {
    const { durationMs, kind } = this;
    const ran = model.config.timeout && durationMs > TIMEOUT_MS ? TIMEOUT_MS : durationMs;
    await advanceBy(waitForClearWindow(model, [ran, durationMs]));
    const start = Date.now();
    const state = model.read(start);
    const retryAfterMs = state === 'open' ? model.openUntil - start : 0;
    const expected = model.call(kind, durationMs, start);

    const value = { kind };
    const error = kind === 'ignored' ? new BadRequestException('bad') : new Error('down');
    const settle = <T>(resolve: (v: T) => void, reject: (e: unknown) => void) =>
      kind === 'success' ? resolve(value as T) : reject(error);
    const fn: () => unknown = this.sync
      ? () => {
          if (kind === 'success') return value;
          throw error;
        }
      : () =>
          new Promise((resolve, reject) => {
            if (durationMs === 0) settle(resolve, reject);
            else setTimeout(() => settle(resolve, reject), durationMs);
          });

    let result: unknown;
    let answer: Promise<{ value: unknown } | { thrown: unknown }>;
    try {
      result = this.sync ? real.circuit.executeSync(fn) : real.circuit.execute(fn);
      answer = Promise.resolve(result).then(
        (value) => ({ value }),
        (thrown: unknown) => ({ thrown }),
      );
    } catch (thrown) {
      answer = Promise.resolve({ thrown });
    }
    await advanceBy(durationMs);
    const outcome = await answer;

    if (this.sync && (expected === 'value' || expected === 'error')) {
      if (result instanceof Promise) expect(result).not.toBeInstanceOf(Promise); // stays sync
    }
    if (!this.sync) isA(result, Promise); // execute: always a promise, refusals included
    const { value: got, thrown } = outcome as { value?: unknown; thrown?: unknown };
    if (expected === 'value') same(got, value);
    else if (expected === 'error') same(thrown, error);
    else if (expected === 'rejected') {
      isA(thrown, CircuitOpenError);
      const { circuit, state: told, retryAfterMs: retry } = thrown as CircuitOpenError;
      agree(
        { circuit, state: told, retryAfterMs: retry },
        { circuit: 'model', state, retryAfterMs },
      );
    } else {
      isA(thrown, CallTimeoutError);
      const { circuit, timeoutMs } = thrown as CallTimeoutError;
      agree({ circuit, timeoutMs }, { circuit: 'model', timeoutMs: TIMEOUT_MS });
    }
    expectAgreement(model, real);
  }

  toString = () => `call(${this.kind}, ${this.durationMs} ms${this.sync ? ', sync' : ''})`;
}

class AdvanceCommand implements fc.AsyncCommand<Model, Real> {
  constructor(readonly ms: number) {}
  check = () => true;
  async run(model: Model, real: Real): Promise<void> {
    await advanceBy(waitForClearWindow(model, [this.ms]) + this.ms);
    expectAgreement(model, real);
  }
  toString = () => `advance(${this.ms} ms)`;
}

class ManualCommand implements fc.AsyncCommand<Model, Real> {
  constructor(readonly name: Manual) {}
  check = () => true;
  async run(model: Model, real: Real): Promise<void> {
    model.command(this.name, Date.now());
    real.circuit[this.name]();
    expectAgreement(model, real);
  }
  toString = () => this.name;
}

class HoldCommand implements fc.AsyncCommand<Model, Real> {
  constructor(readonly ms: number) {}
  check = () => true;
  async run(model: Model, real: Real): Promise<void> {
    model.hold(this.ms, Date.now());
    real.circuit.holdOpen(this.ms);
    expectAgreement(model, real);
  }
  toString = () => `holdOpen(${this.ms} ms)`;
}

const configs = fc.record<Config>({
  failureThreshold: fc.constantFrom(1, 2, 3, 5, Infinity, Infinity),
  failureRateThreshold: fc.option(fc.constantFrom(0.25, 0.5, 0.6, 0.75, 1), { nil: undefined }),
  slowCalls: fc.constantFrom('off', 'counted', 'rule'),
  minimumThroughput: fc.integer({ min: 1, max: 5 }),
  windowMs: fc.constantFrom(500, 1_000),
  resetTimeoutMs: fc.constantFrom(0, 100, 250),
  backoffMultiplier: fc.constantFrom(1, 2, 3),
  maxResetTimeoutMs: fc.constantFrom(300, 1_000),
  halfOpenMaxCalls: fc.integer({ min: 1, max: 3 }),
  successThreshold: fc.integer({ min: 1, max: 3 }),
  timeout: fc.boolean(),
});

const call = fc
  .record({
    kind: fc.constantFrom<Kind>('success', 'success', 'failure', 'failure', 'ignored'),
    durationMs: fc.constantFrom(...DURATIONS),
    sync: fc.boolean(),
  })
  .map(({ kind, durationMs, sync }) => new CallCommand(kind, durationMs, sync && durationMs === 0));

const advance = fc
  .constantFrom(10, 50, 100, 200, 300, 450, 600, 900, 2_000)
  .map((ms) => new AdvanceCommand(ms));

// Weighted: calls and clock advances most of the time, a manual command now and then.
const commands = fc.commands(
  [
    call,
    call,
    call,
    call,
    call,
    call,
    advance,
    advance,
    fc
      .constantFrom<Manual>('reset', 'forceOpen', 'disable', 'release')
      .map((n) => new ManualCommand(n)),
    fc.constantFrom(0, 50, 150, 400, 2_000).map((ms) => new HoldCommand(ms)),
  ],
  { maxCommands: 40, size: 'medium' },
);

function optionsOf(config: Config): CircuitOptions {
  return {
    failureThreshold: config.failureThreshold,
    failureRateThreshold: config.failureRateThreshold,
    slowCallDurationMs: config.slowCalls === 'off' ? undefined : SLOW_MS,
    slowCallRateThreshold: config.slowCalls === 'rule' ? 0.5 : undefined,
    minimumThroughput: config.minimumThroughput,
    windowMs: config.windowMs,
    resetTimeoutMs: config.resetTimeoutMs,
    backoffMultiplier: config.backoffMultiplier,
    maxResetTimeoutMs: config.maxResetTimeoutMs,
    halfOpenMaxCalls: config.halfOpenMaxCalls,
    successThreshold: config.successThreshold,
    timeoutMs: config.timeout ? TIMEOUT_MS : undefined,
  };
}

describe('Circuit against a reference model of API.md', () => {
  agreesWithModel(
    'agrees with the model on every step of random sequences',
    configs,
    commands,
    (config, now) => new Model(config, now),
    optionsOf,
  );
});
