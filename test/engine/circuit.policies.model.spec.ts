import { jest } from '@jest/globals';
import { BadRequestException } from '@nestjs/common';
import fc from 'fast-check';
import {
  BulkheadFullError,
  CallTimeoutError,
  Circuit,
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

// A model-based test of the policies beside the breaker: retry, bulkhead and the count window.
// Random sequences of bursts of concurrent calls, clock advances and manual commands run against
// the engine and against a small reference model written from README.md ("How a circuit
// behaves", "Retry", "Bulkhead", "Count-based window", the options table) and the doc comments
// of CircuitOptions, RetryOptions and CircuitStats, not from the engine's code. It extends
// circuit.model.spec.ts (sequential calls, the rolling window by age, slow calls) to concurrency.
//
// A burst starts up to five calls, most of them at its first instant, one after the other, the
// others a little later; each is execute() (its function answering after its own duration,
// with its own outcome on each attempt) or executeSync(). The model works out, in time order,
// what becomes of each: it runs, waits for a place or is refused; its function answers or it
// times out; places pass to waiting calls in order; failed attempts are retried after their
// delay within the budget; deadlines end calls. The test runs the fake clock until every
// function has answered, then checks, for each caller, when its function was called (each
// attempt that reached it) and what it got, when: the same value or error object, or
// CircuitOpenError (state, retryAfterMs), BulkheadFullError (waited or not) or CallTimeoutError
// (timeoutMs). stats() must agree after each instant calls start at, at the end, and, in bursts
// marked "watched", after every instant at which something happens.
//
// Restrictions, so that the model stays small and exact:
// - Delays are whole milliseconds without randomness: jitter 0 for the open duration, 'none' for
//   retries. No slow-call rule, no adaptive timeout, no fallbacks (a decorator's business), no
//   caller signal (only deadlineMs aborts a call), no wrap(): execute() and executeSync().
// - windowMs (1,000 s) is far longer than a whole run (two minutes of the fake clock at most):
//   nothing leaves the time window or the retry budget's window during a run (leaving by age is
//   circuit.model.spec.ts's business, the budget's bucket edges are not modeled). So the
//   time window holds every counted outcome since it last started afresh, and the budget every
//   first attempt and retry of the run; a count window holds the last windowSize of those.
// - Manual commands (reset(), forceOpen(), disable(), release()) run between bursts, when no
//   call is in flight.
// - Functions take no signal and answer on their own timer, never in 0 ms (sync calls answer at
//   once): a function the deadline gave up on still answers when its time comes. Every call of
//   a command has answered when the command ends; the longest runs far below probeTimeoutMs.
// - A call starting at an instant at which timers are due starts after them (the test moves the
//   clock to that instant, then calls).
// - Two timers due at one instant: the fake clock runs them in the order they were set, each
//   with its promise reactions before the next, and the model does the same. A burst is not run
//   (its check() fails) when that order is not the contract's: when one of them is a timeoutMs
//   expiry, a wait for the bulkhead, a retry delay or a deadline (the engine serves each kind
//   from one process-wide timer, armed when it suits it, not one timer each), or
//   when both were set while one event was handled, for two different callers (say, a retry's
//   delay and the function of the call let in from the queue: their order is the engine's
//   promise chains'). Durations, delays and deadlines differ from timeoutMs and from each
//   other, so that this skips about one burst in a hundred.
//
// Documented engine choices the README leaves open, which the model follows:
// - From circuit.model.spec.ts: the rules are checked whenever a call's outcome is counted;
//   probes do not feed the window; totalCalls counts rejections (and calls in flight); the
//   window fields read 0 when no rate rule is on; an open → half-open change happens, and is
//   dated, when the circuit is used or read.
// - An outcome decides something only in the state period its call started in (Circuit's doc
//   comment): a late answer from before the circuit changed state is counted in the counters and
//   otherwise ignored.
// - The circuit is used: by each attempt as it comes (before the bulkhead: a call the circuit
//   refuses, open, forced open or half-open with every probe permit taken, takes no place) and
//   again when it is let in from the queue; by the retry, which looks whether the circuit would
//   refuse before it waits (only when one more attempt is allowed and the error may be
//   retried); by stats().
// - A retry is decided in this order: attempts left; the error retriable (a counted failure or
//   a timeout of this circuit, not a refusal, what retryOn allows); the circuit not refusing; the
//   budget. budgetExhausted counts only the retries the budget alone refused. A retry is counted
//   when its attempt meets the circuit and the bulkhead: in retries when its function is called,
//   in refused when the circuit or the bulkhead refuses it (full, or waited too long); a retry
//   whose delay or wait the deadline ends is in neither.
// - The budget counts the first attempt of every call that can be retried (execute), refused or
//   not; sync calls neither count nor are retried. State changes leave the budget as it is.
// - A timed-out attempt gives its place back at its timeout, and its function's late answer
//   changes nothing. A half-open refusal says retryAfterMs = the oldest probe's start +
//   min(probeTimeoutMs, timeoutMs) - now; a forced-open one says 0.
// - At deadlineMs the caller gets CallTimeoutError(deadlineMs) at once: a pending delay ends, a
//   waiting call leaves the queue (not counted as rejected), a running attempt runs on, keeps its
//   place and is counted when it answers: a success as a success, a failure as ignored (the
//   attempt's signal, the deadline's, has aborted: the caller gave up), a timeout as a timeout. A call waits for a place at most timeoutMs from when
//   it began to wait; then it is refused (BulkheadFullError, waited) and counted as rejected.
//   Let in, its attempt has timeoutMs from when its function is called.
//
// Two engine bugs this test found, fixed since, and now in the model: a fractional budget bound
// (budgetRatio 0.5) allowed one retry too many; reset() left the retries' figures, the budget and
// the bulkhead's refusals as they were.

const TIMEOUT_MS = 100;
/** Timers the engine keeps process-wide, not one per call: see the order of timers above. */
const ENGINE_TIMED = new Set(['timeout', 'wait', 'delay', 'deadline']);
/** Async functions' durations: none equals TIMEOUT_MS; the last runs past it. */
const DURATIONS = [21, 33, 52, 88, 140];
const WINDOW_MS = 1_000_000;
const PROBE_TIMEOUT_MS = 60_000; // the default

type Kind = 'success' | 'failure' | 'fatal' | 'ignored';
type State = 'closed' | 'open' | 'half_open' | 'forced_open' | 'disabled';
type Manual = 'reset' | 'forceOpen' | 'disable' | 'release';

interface RetryConfig {
  attempts: number;
  delayMs: number;
  maxDelayMs: number;
  multiplier: number;
  budgetRatio: number;
  minRetries: number;
  deadlineMs: number | undefined;
  /** retryOn: every error but Error('fatal'). */
  retryOn: boolean;
}

interface Config {
  failureThreshold: number;
  failureRateThreshold: number | undefined;
  minimumThroughput: number;
  windowType: 'time' | 'count';
  windowSize: number;
  resetTimeoutMs: number;
  backoffMultiplier: number;
  maxResetTimeoutMs: number;
  halfOpenMaxCalls: number;
  successThreshold: number;
  timeout: boolean;
  retry: RetryConfig | undefined;
  bulkhead: { maxConcurrent: number; maxQueued: number } | undefined;
}

/** What the n-th call of a caller's function does: outcomes[(n - 1) % length]. */
interface Outcome {
  kind: Kind;
  durationMs: number;
}

/** One call of a burst, offsetMs after its start: execute(), or executeSync() (one outcome, no duration). */
interface Item {
  offsetMs: number;
  sync: boolean;
  outcomes: Outcome[];
}

/** What a caller gets: its function's value or error (of its n-th call), a refusal or a timeout. */
type Answer =
  | { type: 'value' | 'error'; run: number }
  | { type: 'open'; state: State; retryAfterMs: number }
  | { type: 'full'; waited: boolean }
  | { type: 'timeout'; timeoutMs: number };

const outcomeOf = (item: Item, run: number): Outcome =>
  item.outcomes[(run - 1) % item.outcomes.length]!;

/** The circuit, its bulkhead and its retry counters, as the README describes them. */
class Model {
  state: State = 'closed';
  openUntil = 0;
  failedProbes = 0;
  probeSuccesses = 0;
  consecutive = 0;
  /** Bumped on every state change: an outcome decides only in the period its call started in. */
  period = 0;
  /** Counted outcomes of the closed (or disabled) circuit since the window started afresh: failed? */
  window: boolean[] = [];
  /** When each probe in flight of this half-open period started, oldest first. */
  probes: number[] = [];
  counts = { successes: 0, failures: 0, rejections: 0, ignored: 0, timeouts: 0 };
  inFlight = 0;
  lastFailureAt: number | null = null;
  // The bulkhead: places taken, calls waiting in order, calls refused.
  active = 0;
  queue: Caller[] = [];
  rejected = 0;
  // The retries: first attempts and retries in the budget's window (the whole run), refusals.
  firstAttempts = 0;
  budgetRetries = 0;
  retries = 0;
  refused = 0;
  budgetExhausted = 0;

  constructor(
    readonly config: Config,
    public lastStateChangeAt: number,
  ) {}

  /** A copy to try a burst on (between commands nothing is in flight and nobody waits). */
  clone(): Model {
    const copy = Object.assign(new Model(this.config, this.lastStateChangeAt), this);
    copy.window = [...this.window];
    copy.probes = [...this.probes];
    copy.counts = { ...this.counts };
    copy.queue = [...this.queue];
    return copy;
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

  /** Whether the circuit would refuse a call now: open, forced open, or half-open with every permit taken. */
  refuses(now: number): boolean {
    const state = this.read(now);
    return (
      state === 'open' ||
      state === 'forced_open' ||
      (state === 'half_open' && this.probes.length >= this.config.halfOpenMaxCalls)
    );
  }

  /** A call reaching the circuit at `now`: undefined when it runs (a probe, if half-open), else the refusal. */
  refusal(now: number): Answer | undefined {
    const state = this.read(now);
    if (state === 'closed' || state === 'disabled') return undefined;
    if (state === 'half_open' && this.probes.length < this.config.halfOpenMaxCalls) {
      this.probes.push(now);
      return undefined;
    }
    this.counts.rejections++;
    const probeBound = this.config.timeout ? TIMEOUT_MS : PROBE_TIMEOUT_MS;
    const retryAfterMs =
      state === 'open'
        ? this.openUntil - now
        : state === 'half_open'
          ? Math.max(0, this.probes[0]! + probeBound - now)
          : 0;
    return { type: 'open', state, retryAfterMs };
  }

  /** A call that ran settles: counted always, deciding only in the period it started in. */
  settle(
    call: { period: number; startedAt: number },
    kind: Kind,
    timedOut: boolean,
    now: number,
  ): void {
    this.inFlight--;
    const outcome = kind === 'fatal' ? 'failure' : kind;
    if (timedOut) this.counts.timeouts++;
    if (outcome === 'success') this.counts.successes++;
    else if (outcome === 'ignored') this.counts.ignored++;
    else {
      this.counts.failures++;
      this.lastFailureAt = now;
    }
    if (call.period !== this.period) return;
    if (this.state === 'half_open') {
      this.probes.splice(this.probes.indexOf(call.startedAt), 1);
      if (outcome === 'failure') {
        this.failedProbes++;
        this.open(now);
      } else if (outcome === 'success' && ++this.probeSuccesses >= this.config.successThreshold) {
        this.close(now);
      }
    } else if (outcome !== 'ignored') {
      const { windowType, windowSize } = this.config;
      this.window.push(outcome === 'failure');
      if (windowType === 'count' && this.window.length > windowSize) this.window.shift();
      this.consecutive = outcome === 'failure' ? this.consecutive + 1 : 0;
      if (this.state === 'closed' && this.tripped()) this.open(now);
    }
  }

  /** Whether the budget allows one more retry: retries at most budgetRatio × first attempts + minRetries. */
  budgetAllows(): boolean {
    const { budgetRatio, minRetries } = this.config.retry!;
    return this.budgetRetries + 1 <= budgetRatio * this.firstAttempts + minRetries;
  }

  command(name: Manual, now: number): void {
    this.read(now);
    if (name === 'reset') {
      // Fresh counters, stats included: the bulkhead's refusals and the retries' figures and budget.
      this.counts = { successes: 0, failures: 0, rejections: 0, ignored: 0, timeouts: 0 };
      this.lastFailureAt = null;
      this.rejected = this.firstAttempts = this.budgetRetries = 0;
      this.retries = this.refused = this.budgetExhausted = 0;
      if (this.state === 'closed') {
        this.period++;
        this.afresh();
      } else this.close(now);
    } else if (name === 'forceOpen') this.to('forced_open', now);
    else if (name === 'disable') {
      if (this.state !== 'disabled') this.afresh();
      this.to('disabled', now);
    } else if (this.state === 'forced_open' || this.state === 'disabled') this.close(now);
  }

  windowTotals(): { calls: number; failures: number } {
    if (this.config.failureRateThreshold === undefined) return { calls: 0, failures: 0 };
    return { calls: this.window.length, failures: this.window.filter(Boolean).length };
  }

  private tripped(): boolean {
    const { failureThreshold, failureRateThreshold, minimumThroughput } = this.config;
    const { calls, failures } = this.windowTotals();
    return (
      this.consecutive >= failureThreshold ||
      (failureRateThreshold !== undefined &&
        calls >= minimumThroughput &&
        failures / calls >= failureRateThreshold)
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
    this.period++;
    this.probes = [];
    this.lastStateChangeAt = now;
  }
}

/** A caller of a burst, as the model follows it. */
interface Caller {
  readonly item: Item;
  /** Attempts begun. */
  attempts: number;
  /** When its function was called, one entry per call. */
  runs: number[];
  answer?: Answer;
  answeredAt?: number;
  deadline?: Timer;
  delay?: Timer;
  wait?: Timer;
}

/** An attempt that reached the function. */
interface Attempt {
  caller: Caller;
  period: number;
  startedAt: number;
  place: boolean;
  run: number;
  kind: Kind;
  answer?: Timer;
  timeout?: Timer;
}

/**
 * Something due at an instant: a function answers, an attempt times out, a deadline passes, a
 * retry's delay ends, a waiting call has waited timeoutMs. `off` once cleared or run, or when
 * it can no longer change anything (the answer of a function that timed out).
 */
interface Timer {
  kind: 'answer' | 'timeout' | 'deadline' | 'delay' | 'wait';
  caller: Caller;
  attempt?: Attempt;
  at: number;
  /** The order timers were set in. */
  seq: number;
  /** The event being handled when it was set. */
  event: number;
  off: boolean;
}

/** A burst of calls worked out on the model, from its start at `now` until every function has answered. */
class Burst {
  readonly callers: Caller[];
  /** Expected stats after the instants calls start at, and (watched) after every instant something happens at. */
  readonly checkpoints: { at: number; stats: Partial<CircuitStats> }[] = [];
  /** Two timers due at one instant in an order the contract does not fix: the burst is not run. */
  ambiguous = false;
  /** When the last thing happens, or the last function answers. */
  endAt = 0;
  private readonly timers: Timer[] = [];
  private seq = 0;
  private event = 0;

  constructor(
    readonly model: Model,
    items: readonly Item[],
    private now: number,
    watch: boolean,
  ) {
    const start = now;
    this.callers = items.map((item) => ({ item, attempts: 0, runs: [] }));
    // Calls start in order of their offsets, after the timers due at the same instant.
    const arrivals = [...this.callers].sort((a, b) => a.item.offsetMs - b.item.offsetMs);
    let arrived = false;
    for (;;) {
      const due = this.due();
      const next = arrivals[0] === undefined ? Infinity : start + arrivals[0].item.offsetMs;
      if (due.length === 0 && next === Infinity) break;
      this.event++;
      if (due.length > 0 && due[0]!.at <= next) {
        if (!this.ordered(due)) {
          this.ambiguous = true;
          return;
        }
        due[0]!.off = true;
        this.now = due[0]!.at;
        this.fire(due[0]!);
      } else {
        const caller = arrivals.shift()!;
        this.now = next;
        arrived = true;
        if (caller.item.sync) this.callSync(caller);
        else this.call(caller);
      }
      // Stats after everything that happens at this instant: where calls start, or every one watched.
      const then = Math.min(
        this.due()[0]?.at ?? Infinity,
        start + (arrivals[0]?.item.offsetMs ?? Infinity),
      );
      if ((watch || arrived) && then !== this.now) {
        this.checkpoints.push({ at: this.now, stats: expectedStats(model, this.now) });
        arrived = false;
      }
    }
    this.endAt = this.now;
    for (const timer of this.timers) {
      if (timer.kind === 'answer') this.endAt = Math.max(this.endAt, timer.at);
    }
  }

  /** The timers due first, in the order they were set. */
  private due(): Timer[] {
    let at = Infinity;
    for (const timer of this.timers) if (!timer.off && timer.at < at) at = timer.at;
    return this.timers.filter((timer) => !timer.off && timer.at === at);
  }

  private ordered(due: Timer[]): boolean {
    if (due.length === 1) return true;
    if (due.some((timer) => ENGINE_TIMED.has(timer.kind))) return false;
    for (const a of due) {
      for (const b of due) if (a.event === b.event && a.caller !== b.caller) return false;
    }
    return true;
  }

  private set(kind: Timer['kind'], caller: Caller, delayMs: number, attempt?: Attempt): Timer {
    const at = this.now + delayMs;
    const timer: Timer = {
      kind,
      caller,
      attempt,
      at,
      seq: this.seq++,
      event: this.event,
      off: false,
    };
    this.timers.push(timer);
    return timer;
  }

  private clear(timer: Timer | undefined): undefined {
    if (timer !== undefined) timer.off = true;
    return undefined;
  }

  private answer(caller: Caller, answer: Answer): void {
    caller.answer = answer;
    caller.answeredAt = this.now;
    caller.deadline = this.clear(caller.deadline);
  }

  /** executeSync: let in or refused at once, never retried, not in the retry budget. */
  private callSync(caller: Caller): void {
    const { model } = this;
    const bulkhead = model.config.bulkhead;
    let place = false;
    if (bulkhead !== undefined && !model.refuses(this.now)) {
      if (model.active >= bulkhead.maxConcurrent) {
        model.rejected++;
        return this.answer(caller, { type: 'full', waited: false });
      }
      model.active++;
      place = true;
    }
    const refusal = model.refusal(this.now);
    if (refusal !== undefined) {
      if (place) this.leave();
      return this.answer(caller, refusal);
    }
    const run = caller.runs.push(this.now);
    const { kind } = outcomeOf(caller.item, run);
    model.inFlight++;
    model.settle({ period: model.period, startedAt: this.now }, kind, false, this.now);
    if (place) this.leave();
    this.answer(caller, { type: kind === 'success' ? 'value' : 'error', run });
  }

  /** execute: a first attempt, counted by the budget, under the call's deadline. */
  private call(caller: Caller): void {
    const retry = this.model.config.retry;
    if (retry?.deadlineMs !== undefined) {
      caller.deadline = this.set('deadline', caller, retry.deadlineMs);
    }
    if (retry !== undefined) this.model.firstAttempts++;
    this.attempt(caller);
  }

  /** An attempt: refused by the open circuit (no place), or a place, a wait, or a refusal of the bulkhead. */
  private attempt(caller: Caller): void {
    const { model } = this;
    const bulkhead = model.config.bulkhead;
    caller.attempts++;
    if (bulkhead === undefined || model.refuses(this.now)) return this.enter(caller, false);
    if (model.active < bulkhead.maxConcurrent) {
      model.active++;
      return this.enter(caller, true);
    }
    if (model.queue.length < bulkhead.maxQueued) {
      model.queue.push(caller);
      if (model.config.timeout) caller.wait = this.set('wait', caller, TIMEOUT_MS);
      return;
    }
    model.rejected++;
    if (caller.attempts > 1) model.refused++;
    this.failed(caller, { type: 'full', waited: false }, undefined);
  }

  /** The attempt reaches the circuit: its function is called, or it is refused (and frees its place). */
  private enter(caller: Caller, place: boolean): void {
    const { model } = this;
    const refusal = model.refusal(this.now);
    if (caller.attempts > 1) {
      if (refusal === undefined) model.retries++;
      else model.refused++;
    }
    if (refusal !== undefined) {
      if (place) this.leave();
      return this.failed(caller, refusal, undefined);
    }
    const run = caller.runs.push(this.now);
    const { kind, durationMs } = outcomeOf(caller.item, run);
    const attempt: Attempt = {
      caller,
      period: model.period,
      startedAt: this.now,
      place,
      run,
      kind,
    };
    model.inFlight++;
    attempt.answer = this.set('answer', caller, durationMs, attempt);
    if (model.config.timeout) attempt.timeout = this.set('timeout', caller, TIMEOUT_MS, attempt);
  }

  /** A place is given back: to the oldest waiting call, which then reaches the circuit. */
  private leave(): void {
    const { model } = this;
    const next = model.queue.shift();
    if (next === undefined) {
      model.active--;
      return;
    }
    next.wait = this.clear(next.wait);
    this.enter(next, true);
  }

  /** An attempt failed with `error`: retried after its delay, or the caller gets `error`. */
  private failed(caller: Caller, error: Answer, kind: Kind | undefined): void {
    const { model } = this;
    const retry = model.config.retry;
    const retriable =
      error.type === 'timeout' ||
      (error.type === 'error' && kind !== 'ignored' && !(kind === 'fatal' && retry?.retryOn));
    if (retry === undefined || caller.attempts >= retry.attempts || !retriable) {
      return this.answer(caller, error);
    }
    if (model.refuses(this.now)) return this.answer(caller, error);
    if (!model.budgetAllows()) {
      model.budgetExhausted++;
      return this.answer(caller, error);
    }
    model.budgetRetries++;
    const { delayMs, multiplier, maxDelayMs } = retry;
    const delay = Math.min(maxDelayMs, delayMs * multiplier ** (caller.attempts - 1));
    caller.delay = this.set('delay', caller, delay);
  }

  private fire(timer: Timer): void {
    const { model } = this;
    const { caller, attempt } = timer;
    switch (timer.kind) {
      case 'answer':
      case 'timeout': {
        const timedOut = timer.kind === 'timeout';
        this.clear(timedOut ? attempt!.answer : attempt!.timeout);
        // Answered already: its deadline passed, and an error now is the caller having given up.
        const gaveUp = caller.answer !== undefined && attempt!.kind !== 'success';
        const kind = timedOut ? 'failure' : gaveUp ? 'ignored' : attempt!.kind;
        model.settle(attempt!, kind, timedOut, this.now);
        if (attempt!.place) this.leave();
        if (caller.answer !== undefined) return; // its deadline passed: nobody waits for it
        if (timedOut) this.failed(caller, { type: 'timeout', timeoutMs: TIMEOUT_MS }, undefined);
        else if (attempt!.kind === 'success')
          this.answer(caller, { type: 'value', run: attempt!.run });
        else this.failed(caller, { type: 'error', run: attempt!.run }, attempt!.kind);
        return;
      }
      case 'wait':
        caller.wait = undefined;
        model.queue.splice(model.queue.indexOf(caller), 1);
        model.rejected++;
        if (caller.attempts > 1) model.refused++;
        return this.failed(caller, { type: 'full', waited: true }, undefined);
      case 'delay':
        caller.delay = undefined;
        return this.attempt(caller);
      case 'deadline': {
        caller.deadline = undefined;
        const waiting = model.queue.indexOf(caller);
        if (waiting !== -1) model.queue.splice(waiting, 1);
        caller.wait = this.clear(caller.wait);
        caller.delay = this.clear(caller.delay);
        return this.answer(caller, { type: 'timeout', timeoutMs: model.config.retry!.deadlineMs! });
      }
    }
  }
}

function expectedStats(model: Model, now: number): Partial<CircuitStats> {
  const { config } = model;
  const state = model.read(now);
  const window = model.windowTotals();
  const { successes, failures, rejections, ignored } = model.counts;
  return {
    name: 'model',
    state: state as CircuitStats['state'],
    consecutiveFailures: model.consecutive,
    totalCalls: successes + failures + rejections + ignored + model.inFlight,
    ...model.counts,
    slowCalls: 0,
    inFlight: model.inFlight,
    windowCalls: window.calls,
    windowFailures: window.failures,
    failureRate: window.calls === 0 ? 0 : window.failures / window.calls,
    lastFailureAt: iso(model.lastFailureAt),
    lastStateChangeAt: iso(model.lastStateChangeAt)!,
    openUntil: state === 'open' ? iso(model.openUntil) : null,
    retryAfterMs: state === 'open' ? model.openUntil - now : 0,
    bulkhead:
      config.bulkhead === undefined
        ? null
        : { active: model.active, queued: model.queue.length, rejected: model.rejected },
    retry:
      config.retry === undefined
        ? null
        : {
            retries: model.retries,
            refused: model.refused,
            budgetExhausted: model.budgetExhausted,
          },
  };
}

/** One caller of a burst, on the engine's side: when its function was called, what it made, what the caller got. */
interface Call {
  runs: number[];
  /** The value or error of each call of its function. */
  made: unknown[];
  got?: { value: unknown } | { thrown: unknown };
  at?: number;
}

function startCall(circuit: Circuit, item: Item): Call {
  const call: Call = { runs: [], made: [] };
  const make = (): [Kind, unknown, number] => {
    const run = call.runs.push(Date.now());
    const { kind, durationMs } = outcomeOf(item, run);
    const made =
      kind === 'success'
        ? { run }
        : kind === 'ignored'
          ? new BadRequestException('bad')
          : new Error(kind === 'fatal' ? 'fatal' : 'down');
    call.made.push(made);
    return [kind, made, durationMs];
  };
  const answered = (got: Call['got']) => {
    call.got = got;
    call.at = Date.now();
  };
  if (item.sync) {
    try {
      answered({
        value: circuit.executeSync(() => {
          const [kind, made] = make();
          if (kind === 'success') return made;
          throw made;
        }),
      });
    } catch (thrown) {
      answered({ thrown });
    }
    return call;
  }
  const result = circuit.execute(() => {
    const [kind, made, durationMs] = make();
    return new Promise((resolve, reject) =>
      setTimeout(() => (kind === 'success' ? resolve(made) : reject(made)), durationMs),
    );
  });
  isA(result, Promise); // execute: always a promise, refusals included
  result.then(
    (value) => answered({ value }),
    (thrown: unknown) => answered({ thrown }),
  );
  return call;
}

function expectAnswer(call: Call, caller: Caller, config: Config): void {
  agree(
    { runs: call.runs, answeredAt: call.at },
    { runs: caller.runs, answeredAt: caller.answeredAt },
  );
  const answer = caller.answer!;
  const { thrown } = (call.got ?? {}) as { thrown?: unknown };
  switch (answer.type) {
    case 'value':
      return same((call.got as { value?: unknown }).value, call.made[answer.run - 1]);
    case 'error':
      return same(thrown, call.made[answer.run - 1]);
    case 'open': {
      isA(thrown, CircuitOpenError);
      const { circuit, state, retryAfterMs } = thrown as CircuitOpenError;
      return agree(
        { circuit, state, retryAfterMs },
        { circuit: 'model', state: answer.state, retryAfterMs: answer.retryAfterMs },
      );
    }
    case 'full': {
      isA(thrown, BulkheadFullError);
      const { circuit, maxConcurrent, maxQueued, waited } = thrown as BulkheadFullError;
      const { maxConcurrent: most, maxQueued: queued } = config.bulkhead!;
      return agree(
        { circuit, maxConcurrent, maxQueued, waited },
        { circuit: 'model', maxConcurrent: most, maxQueued: queued, waited: answer.waited },
      );
    }
    case 'timeout': {
      isA(thrown, CallTimeoutError);
      const { circuit, timeoutMs } = thrown as CallTimeoutError;
      return agree({ circuit, timeoutMs }, { circuit: 'model', timeoutMs: answer.timeoutMs });
    }
  }
}

class BurstCommand implements fc.AsyncCommand<Model, Real> {
  constructor(
    readonly items: readonly Item[],
    readonly watch: boolean,
  ) {}

  /** Not run when two of its timers would be due at one instant in an order the contract leaves open. */
  check(model: Readonly<Model>): boolean {
    return !new Burst((model as Model).clone(), this.items, Date.now(), this.watch).ambiguous;
  }

  async run(model: Model, { circuit }: Real): Promise<void> {
    const start = Date.now();
    const burst = new Burst(model, this.items, start, this.watch);
    const calls: Call[] = [];
    const { checkpoints } = burst;
    const stops = [
      ...this.items.map((item) => start + item.offsetMs),
      ...checkpoints.map((c) => c.at),
    ];
    for (const at of [...new Set(stops)].sort((a, b) => a - b)) {
      await advanceBy(at - Date.now());
      this.items.forEach((item, i) => {
        if (start + item.offsetMs === at) calls[i] = startCall(circuit, item);
      });
      const checkpoint = checkpoints.find((c) => c.at === at);
      if (checkpoint !== undefined) expectStats(circuit, checkpoint.stats);
    }
    // Also lets the promise reactions run when nothing was left to wait for.
    await jest.advanceTimersByTimeAsync(burst.endAt - Date.now());
    calls.forEach((call, i) => expectAnswer(call, burst.callers[i]!, model.config));
    expectStats(circuit, expectedStats(model, Date.now()));
  }

  toString = () => {
    const items = this.items.map(
      ({ offsetMs, sync, outcomes }) =>
        (offsetMs > 0 ? `at ${offsetMs}: ` : '') +
        (sync
          ? `sync ${outcomes[0]!.kind}`
          : outcomes.map(({ kind, durationMs }) => `${kind} ${durationMs}`).join(' / ')),
    );
    return `burst${this.watch ? ' (watched)' : ''}(${items.join(', ')})`;
  };
}

class AdvanceCommand implements fc.AsyncCommand<Model, Real> {
  constructor(readonly ms: number) {}
  check = () => true;
  async run(model: Model, { circuit }: Real): Promise<void> {
    await advanceBy(this.ms);
    expectStats(circuit, expectedStats(model, Date.now()));
  }
  toString = () => `advance(${this.ms} ms)`;
}

class ManualCommand implements fc.AsyncCommand<Model, Real> {
  constructor(readonly name: Manual) {}
  check = () => true;
  async run(model: Model, { circuit }: Real): Promise<void> {
    model.command(this.name, Date.now());
    circuit[this.name]();
    expectStats(circuit, expectedStats(model, Date.now()));
  }
  toString = () => this.name;
}

const retryConfigs = fc
  .record<RetryConfig>({
    attempts: fc.integer({ min: 1, max: 4 }),
    delayMs: fc.constantFrom(7, 16),
    maxDelayMs: fc.constantFrom(16, 45),
    multiplier: fc.constantFrom(1, 2, 3),
    budgetRatio: fc.constantFrom(0, 0.5, 1),
    minRetries: fc.constantFrom(0, 1, 2, 100),
    deadlineMs: fc.option(fc.constantFrom(87, 251), { nil: undefined }),
    retryOn: fc.boolean(),
  })
  .map((retry) => ({ ...retry, maxDelayMs: Math.max(retry.maxDelayMs, retry.delayMs) }));

const configs = fc
  .record<Config>({
    failureThreshold: fc.constantFrom(1, 2, 3, 5, Infinity),
    failureRateThreshold: fc.option(fc.constantFrom(0.5, 0.6, 1), { nil: undefined }),
    minimumThroughput: fc.integer({ min: 1, max: 4 }),
    windowType: fc.constantFrom('time', 'count'),
    windowSize: fc.integer({ min: 1, max: 6 }),
    resetTimeoutMs: fc.constantFrom(0, 60, 200, 500),
    backoffMultiplier: fc.constantFrom(1, 2),
    maxResetTimeoutMs: fc.constantFrom(300, 1_000),
    halfOpenMaxCalls: fc.integer({ min: 1, max: 3 }),
    successThreshold: fc.integer({ min: 1, max: 3 }),
    timeout: fc.boolean(),
    retry: fc.option(retryConfigs, { nil: undefined, freq: 4 }),
    bulkhead: fc.option(
      fc.record({
        maxConcurrent: fc.integer({ min: 1, max: 3 }),
        maxQueued: fc.integer({ min: 0, max: 3 }),
      }),
      { nil: undefined, freq: 4 },
    ),
  })
  .map((config) => ({
    ...config,
    windowSize: Math.max(config.windowSize, config.minimumThroughput),
  }));

const kinds = fc.constantFrom<Kind>(
  'success',
  'success',
  'success',
  'failure',
  'failure',
  'fatal',
  'ignored',
);

const offsets = fc.constantFrom(0, 0, 0, 13, 40, 75, 120);

const items = fc.oneof(
  {
    weight: 6,
    arbitrary: fc
      .record({
        offsetMs: offsets,
        outcomes: fc.array(fc.record({ kind: kinds, durationMs: fc.constantFrom(...DURATIONS) }), {
          minLength: 1,
          maxLength: 3,
        }),
      })
      .map(({ offsetMs, outcomes }): Item => ({ offsetMs, sync: false, outcomes })),
  },
  {
    weight: 1,
    arbitrary: fc.record({ offsetMs: offsets, kind: kinds }).map(({ offsetMs, kind }): Item => ({
      offsetMs,
      sync: true,
      outcomes: [{ kind, durationMs: 0 }],
    })),
  },
);

// The first call of a burst starts at once.
const burst = fc
  .record({ items: fc.array(items, { minLength: 1, maxLength: 5 }), watch: fc.boolean() })
  .map(({ items, watch }) => {
    const first = Math.min(...items.map((item) => item.offsetMs));
    const shifted = items.map((item) => ({ ...item, offsetMs: item.offsetMs - first }));
    return new BurstCommand(shifted, watch);
  });

const advance = fc.constantFrom(10, 100, 250, 1_000).map((ms) => new AdvanceCommand(ms));

// Weighted: bursts and clock advances most of the time, a manual command now and then.
const commands = fc.commands(
  [
    burst,
    burst,
    burst,
    burst,
    advance,
    advance,
    fc
      .constantFrom<Manual>('reset', 'forceOpen', 'disable', 'release', 'release')
      .map((n) => new ManualCommand(n)),
  ],
  { maxCommands: 30, size: 'medium' },
);

const notFatal = (error: unknown) => !(error instanceof Error && error.message === 'fatal');

function optionsOf(config: Config): CircuitOptions {
  const { retry, bulkhead } = config;
  return {
    failureThreshold: config.failureThreshold,
    failureRateThreshold: config.failureRateThreshold,
    minimumThroughput: config.minimumThroughput,
    windowMs: WINDOW_MS,
    windowType: config.windowType,
    windowSize: config.windowType === 'count' ? config.windowSize : undefined,
    resetTimeoutMs: config.resetTimeoutMs,
    backoffMultiplier: config.backoffMultiplier,
    maxResetTimeoutMs: config.maxResetTimeoutMs,
    halfOpenMaxCalls: config.halfOpenMaxCalls,
    successThreshold: config.successThreshold,
    timeoutMs: config.timeout ? TIMEOUT_MS : undefined,
    retry: retry && {
      attempts: retry.attempts,
      delayMs: retry.delayMs,
      maxDelayMs: retry.maxDelayMs,
      multiplier: retry.multiplier,
      jitter: 'none',
      budgetRatio: retry.budgetRatio,
      minRetries: retry.minRetries,
      deadlineMs: retry.deadlineMs,
      retryOn: retry.retryOn ? notFatal : undefined,
    },
    maxConcurrent: bulkhead?.maxConcurrent,
    maxQueued: bulkhead?.maxQueued,
  };
}

describe('Circuit with retry and bulkhead against a reference model of the README', () => {
  agreesWithModel(
    'agrees with the model on every caller and every step of random sequences',
    configs,
    commands,
    (config, now) => new Model(config, now),
    optionsOf,
  );
});
