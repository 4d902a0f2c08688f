import { CALL_CANCELLED } from './call-cancelled.js';
import type { CallObserver, CallOutcome } from './call-observer.js';
import {
  deadlineListFor,
  stopIdleDeadlineTimer,
  trackDeadline,
  type DeadlineList,
  type TimedCallOwner,
} from './call-deadlines.js';
import { CallTimeoutError } from './call-timeout.error.js';
import { CircuitOpenError } from './circuit-open.error.js';
import {
  assertCircuitName,
  resolveCircuitOptions,
  type CircuitOptions,
  type ResolvedCircuitOptions,
} from './circuit-options.js';
import {
  CircuitState,
  type CircuitStateChange,
  type CircuitTransitionReason,
  type SharedCircuitState,
} from './circuit-state.js';
import type { CircuitStats } from './circuit-stats.js';
import { clockNow, fromEpochTime, toEpochTime, toIsoTime } from './clock.js';
import { openDurationMs } from './open-duration.js';
import { asPromise, rejectSoon } from './promise-like.js';
import { reportCallbackError } from './report-callback-error.js';
import { RollingWindow } from './rolling-window.js';
import { SharedProbes, type ProbePermits } from './shared-probes.js';
import { TRIP_RULES } from './trip-rules.js';
import { withoutStackTrace } from './without-stack-trace.js';

// What became of a call that ran.
const SUCCESS = 0;
const FAILURE = 1;
const IGNORED = 2;
type Outcome = typeof SUCCESS | typeof FAILURE | typeof IGNORED;
const OUTCOME_NAMES: readonly CallOutcome[] = ['success', 'failure', 'ignored'];

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- any function can go through a circuit
type AnyFunction<T> = (...args: any[]) => T;
export type StateChangeListener = (change: CircuitStateChange) => void;

/** How a refusal reaches the caller: a rejected promise (`execute`, `wrap`) or a throw (`executeSync`, `wrapSync`). */
const ASYNC = true;
const SYNC = false;
/** No argument of a wrapped function receives the call's signal. */
const NO_SIGNAL = -1;

/** `wrap()` and `wrapSync()` options. */
export interface WrapOptions {
  /**
   * The index of the argument that receives the call's `AbortSignal` (aborted when `timeoutMs`
   * runs out). A signal the caller passes there is kept and followed too. Without `timeoutMs`
   * the argument is left as the caller gave it.
   */
  signalAt?: number;
}

// What listeners, metrics and shared stores add to a circuit: one field, kept only when used.
interface CircuitHooks {
  listeners?: StateChangeListener[];
  observer?: CallObserver;
  probes?: SharedProbes;
}

/**
 * A circuit breaker around one dependency. Calls pass while it is closed; when a trip rule
 * fires it opens and rejects calls at once with `CircuitOpenError`; after the open duration
 * it lets probes through (half-open) and closes again when they succeed.
 *
 * No timer runs per circuit: the open → half-open step is taken from the clock when the
 * circuit is next used or read.
 *
 * @example
 * const inventory = new Circuit('inventory', { failureThreshold: 3, timeoutMs: 2_000 });
 * const stock = await inventory.execute((signal) => fetch(url, { signal }));
 */
export class Circuit {
  readonly name: string;
  /** The resolved options, defaults filled in. */
  readonly options: ResolvedCircuitOptions;

  private current = CircuitState.Closed;
  /**
   * Bumped on every state change and reset. An outcome decides something only in the epoch
   * its call started in: a late answer from before the circuit opened, or a probe of an
   * earlier half-open period, is counted in the stats and otherwise ignored.
   */
  private epoch = 0;
  private consecutiveFailures = 0;
  private probesInFlight = 0;
  /** When each probe in flight started (`performance.now()`), oldest first: a hung one reopens the circuit. */
  private probeStarts: number[] | undefined;
  private probeSuccesses = 0;
  /** Probes failed in a row since the circuit last closed: the backoff exponent. */
  private failedProbes = 0;
  // Times by `clockNow()`.
  private openUntil = 0;
  /**
   * The same instant in epoch milliseconds, fixed when the circuit opens: what the replicas
   * sharing this open period call it (its record, its probe permits). Converting `openUntil`
   * again later could give another name, as the wall clock's offset may have moved since.
   */
  private openUntilEpochMs = 0;
  private lastStateChangeAt = clockNow();
  private lastFailureAt = -1;

  /** Kept only when a rate rule is on. */
  private readonly window: RollingWindow | undefined;
  /** Kept only when `timeoutMs` is set. */
  private readonly timed: { list: DeadlineList; owner: TimedCallOwner } | undefined;
  private hooks: CircuitHooks | undefined;

  private successes = 0;
  private failures = 0;
  private rejections = 0;
  private timeouts = 0;
  private slowCalls = 0;
  private ignored = 0;
  private inFlight = 0;

  /** @throws CircuitOptionsError for an empty name or any invalid option. */
  constructor(name: string, options?: CircuitOptions) {
    assertCircuitName(name);
    this.name = name;
    this.options = resolveCircuitOptions(name, options);
    const { failureRateThreshold, slowCallRateThreshold, slowCallDurationMs, windowMs, timeoutMs } =
      this.options;
    if (failureRateThreshold !== undefined || slowCallRateThreshold !== undefined) {
      this.window = new RollingWindow(windowMs, slowCallDurationMs !== undefined);
    }
    if (timeoutMs !== undefined) {
      this.timed = { list: deadlineListFor(timeoutMs), owner: this.ownTimedCalls() };
    }
  }

  /**
   * The current state, read from the clock: an open circuit whose open duration has passed is
   * half-open, and a half-open one whose oldest probe has run past `probeTimeoutMs` is open again.
   */
  get state(): CircuitState {
    const current = this.current;
    if (current === CircuitState.Open) {
      if (clockNow() >= this.openUntil)
        this.transition(CircuitState.HalfOpen, 'reset_timeout_elapsed');
    } else if (current === CircuitState.HalfOpen && this.probeStarts?.length) {
      if (clockNow() >= this.probeStarts[0]! + this.options.probeTimeoutMs) {
        this.failedProbes++;
        this.transition(CircuitState.Open, 'probe_timed_out');
      }
    }
    return this.current;
  }

  /**
   * Runs `fn` through the circuit. Always returns a promise: of `fn`'s value, or rejected with
   * what `fn` threw or rejected with (the same object), or with `CircuitOpenError` when the
   * circuit refuses the call, never a synchronous throw. `fn` gets an `AbortSignal` when
   * `timeoutMs` is set and it declares a parameter to receive it, and `undefined` otherwise.
   */
  execute<T>(fn: (signal: AbortSignal | undefined) => T | PromiseLike<T>): Promise<T> {
    if (typeof fn !== 'function') return Promise.reject(notAFunction('execute', fn));
    return this.call(fn, undefined, undefined, ASYNC, NO_SIGNAL) as Promise<T>;
  }

  /**
   * Runs a sync `fn` through the circuit and returns exactly what it returns or throws;
   * throws `CircuitOpenError` when the circuit refuses the call. A promise `fn` returns is
   * still counted when it settles.
   */
  executeSync<T>(fn: (signal: AbortSignal | undefined) => T): T {
    if (typeof fn !== 'function') throw notAFunction('executeSync', fn);
    return this.call(fn, undefined, undefined, SYNC, NO_SIGNAL);
  }

  /**
   * Returns a function with `fn`'s parameters that runs `fn` through the circuit, with the
   * `this` it is called with, and always returns a promise (see `execute`).
   *
   * @example
   * const getStock = inventory.wrap(fetchStock);
   * await getStock('sku-42');
   * const search = inventory.wrap((query: string, signal?: AbortSignal) => fetch(url(query), { signal }), { signalAt: 1 });
   */
  wrap<A extends unknown[], R>(
    fn: (...args: A) => R,
    options?: WrapOptions,
  ): (...args: A) => Promise<Awaited<R>> {
    return this.wrapAs(fn, ASYNC, options, 'wrap') as (...args: A) => Promise<Awaited<R>>;
  }

  /** Like `wrap`, for a sync `fn`: the wrapper returns what `fn` returns and throws when refused. */
  wrapSync<A extends unknown[], R>(
    fn: (...args: A) => R,
    options?: WrapOptions,
  ): (...args: A) => R {
    return this.wrapAs(fn, SYNC, options, 'wrapSync');
  }

  stats(): CircuitStats {
    const state = this.state;
    const now = clockNow();
    const window = this.window?.totals(now);
    const windowCalls = window?.calls ?? 0;
    return {
      name: this.name,
      state,
      consecutiveFailures: this.consecutiveFailures,
      totalCalls: this.successes + this.failures + this.ignored + this.rejections + this.inFlight,
      successes: this.successes,
      failures: this.failures,
      rejections: this.rejections,
      timeouts: this.timeouts,
      slowCalls: this.slowCalls,
      ignored: this.ignored,
      inFlight: this.inFlight,
      windowCalls,
      windowFailures: window?.failures ?? 0,
      windowSlowCalls: window?.slow ?? 0,
      failureRate: windowCalls === 0 ? 0 : window!.failures / windowCalls,
      slowCallRate: windowCalls === 0 ? 0 : window!.slow / windowCalls,
      lastFailureAt: this.lastFailureAt === -1 ? null : toIsoTime(this.lastFailureAt),
      lastStateChangeAt: toIsoTime(this.lastStateChangeAt),
      openUntil: state === CircuitState.Open ? toIsoTime(this.openUntil) : null,
      retryAfterMs: this.retryAfterMs(now),
    };
  }

  /** Closes the circuit with fresh counters, stats included. Calls in flight no longer count. */
  reset(): void {
    this.successes =
      this.failures =
      this.rejections =
      this.timeouts =
      this.slowCalls =
      this.ignored =
        0;
    this.lastFailureAt = -1;
    if (this.current !== CircuitState.Closed) this.transition(CircuitState.Closed, 'reset');
    else {
      this.epoch++;
      this.startAfresh();
    }
  }

  /** Rejects every call until `release()` or `reset()`. */
  forceOpen(): void {
    if (this.current !== CircuitState.ForcedOpen)
      this.transition(CircuitState.ForcedOpen, 'forced_open');
  }

  /** Lets every call through and never opens, still counting, until `release()` or `reset()`. */
  disable(): void {
    if (this.current !== CircuitState.Disabled) this.transition(CircuitState.Disabled, 'disabled');
  }

  /** Ends `forceOpen()` or `disable()`: the circuit closes, its rules starting afresh. */
  release(): void {
    if (this.current === CircuitState.ForcedOpen || this.current === CircuitState.Disabled) {
      this.transition(CircuitState.Closed, 'released');
    }
  }

  /** Calls `listener` on every state change, after `onStateChange`. Returns the unsubscribe. */
  subscribe(listener: StateChangeListener): () => void {
    this.hook({ listeners: [...(this.hooks?.listeners ?? []), listener] });
    return () => {
      this.hook({ listeners: this.hooks?.listeners?.filter((l) => l !== listener) });
    };
  }

  /**
   * Shows `observer` the outcome and duration of every call from now on (metrics do this);
   * `undefined` stops it. One observer per circuit: a new one replaces the last.
   */
  observeCalls(observer: CallObserver | undefined): void {
    this.hook({ observer });
  }

  /**
   * Shares the half-open probe permits with other replicas through `permits` (a shared store
   * does this); `undefined` goes back to this circuit's own `halfOpenMaxCalls`.
   */
  shareProbePermits(permits: ProbePermits | undefined): void {
    this.hook({ probes: permits && new SharedProbes(permits) });
  }

  /**
   * Takes a state that another replica set, through a shared store: open until `openUntil`
   * (epoch milliseconds), closed, forced open or disabled. Reported with reason `shared`.
   * `manual` says an operator set it (forced open, disabled, or closed by `release()` or
   * `reset()`): a forced state here gives way to nothing else, and an open duration is never
   * taken longer than this circuit's own cap, whatever the other replica's clock says.
   */
  adoptSharedState(state: SharedCircuitState, openUntil = 0, manual = false): void {
    const current = this.current;
    const forced = current === CircuitState.ForcedOpen || current === CircuitState.Disabled;
    if (forced && !manual && state !== CircuitState.ForcedOpen && state !== CircuitState.Disabled) {
      return;
    }
    if (state === CircuitState.Open) {
      const now = clockNow();
      const longest = Math.max(this.options.maxResetTimeoutMs, this.options.resetTimeoutMs);
      const delay = Math.round(fromEpochTime(openUntil) - now);
      const until = now + Math.min(Math.max(0, delay), longest);
      const sameOpening =
        (current === CircuitState.Open || current === CircuitState.HalfOpen) &&
        Math.abs(this.openUntil - until) <= 1; // stores keep whole milliseconds
      // Named as the other replica named it, unless cut short to this circuit's cap.
      const name = delay > longest ? undefined : Math.round(openUntil);
      if (!sameOpening) this.transition(CircuitState.Open, 'shared', until, name);
      else if (name !== undefined) this.openUntilEpochMs = name; // one name for the period
    } else if (current !== state) this.transition(state, 'shared');
  }

  /**
   * When the open circuit lets a probe through, in epoch milliseconds, as read when it opened
   * (or as the replica that opened it said): the name every replica gives this open period.
   * 0 unless open or half-open.
   */
  get openUntilEpoch(): number {
    const current = this.current;
    return current === CircuitState.Open || current === CircuitState.HalfOpen
      ? this.openUntilEpochMs
      : 0;
  }

  /** Tells the call observer that a fallback answered for a call of this circuit. */
  reportFallback(): void {
    this.notify('fallback', 0);
  }

  /** Drops the listeners and stops an idle timeout timer (shutdown). Calls in flight still settle. */
  dispose(): void {
    this.hook({ listeners: undefined });
    stopIdleDeadlineTimer();
  }

  private wrapAs<A extends unknown[], R>(
    fn: (...args: A) => R,
    async: boolean,
    options: WrapOptions | undefined,
    method: string,
  ): (...args: A) => R {
    if (typeof fn !== 'function') throw notAFunction(method, fn);
    const signalAt = options?.signalAt ?? NO_SIGNAL;
    if (!(Number.isSafeInteger(signalAt) && signalAt >= NO_SIGNAL)) {
      throw new TypeError(
        `${method}: signalAt must be an argument index ≥ 0, got ${String(signalAt)}`,
      );
    }
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- the wrapper keeps its caller's `this`
    const circuit = this;
    const wrapped = function (this: unknown, ...args: A): R {
      return circuit.call(fn, this, args, async, signalAt);
    };
    return Object.defineProperty(wrapped, 'name', { value: fn.name });
  }

  // The closed path: as short as it can be, so that it inlines.
  private call<T>(
    fn: AnyFunction<T>,
    self: unknown,
    args: unknown[] | undefined,
    async: boolean,
    signalAt: number,
  ): T {
    const state = this.current;
    if (state === CircuitState.Closed || state === CircuitState.Disabled)
      return this.run(fn, self, args, async, signalAt, false);
    return this.callGuarded(fn, self, args, async, signalAt);
  }

  // The open, half-open and forced-open paths.
  private callGuarded<T>(
    fn: AnyFunction<T>,
    self: unknown,
    args: unknown[] | undefined,
    async: boolean,
    signalAt: number,
  ): T {
    const state = this.state;
    if (state === CircuitState.HalfOpen && this.probesInFlight < this.probePermits()) {
      this.probesInFlight++;
      return this.run(fn, self, args, async, signalAt, true);
    }
    this.rejections++;
    if (this.hooks?.observer !== undefined) this.notify('rejected', 0);
    const retryAfterMs = this.refusalRetryAfterMs(state);
    const error = withoutStackTrace(() => new CircuitOpenError(this.name, state, retryAfterMs));
    if (async) return rejectSoon(error) as T;
    throw error;
  }

  private run<T>(
    fn: AnyFunction<T>,
    self: unknown,
    args: unknown[] | undefined,
    async: boolean,
    signalAt: number,
    probe: boolean,
  ): T {
    const epoch = this.epoch;
    const timed = this.timed;
    this.inFlight++;
    // Read the clock per call only for a probe, or when slowness, a timeout or durations are watched.
    const started =
      probe ||
      timed !== undefined ||
      this.options.slowCallDurationMs !== undefined ||
      this.hooks?.observer !== undefined
        ? performance.now()
        : 0;
    if (probe) (this.probeStarts ??= []).push(started);
    // An AbortSignal is costly to build: only for a timed call whose function takes one.
    const controller =
      timed !== undefined && (args === undefined ? fn.length > 0 : signalAt !== NO_SIGNAL)
        ? new AbortController()
        : undefined;
    let result: T;
    try {
      if (args === undefined) result = fn(controller?.signal);
      else {
        if (controller !== undefined) args[signalAt] = followed(args[signalAt], controller.signal);
        result = fn.apply(self, args);
      }
    } catch (error) {
      this.settle(epoch, started, this.classify(error));
      if (async) return Promise.reject(error) as T;
      throw error;
    }
    let promise: Promise<unknown> | undefined;
    try {
      promise = asPromise(result);
    } catch (error) {
      // A value whose `then` cannot be read: awaiting it rejects with that error.
      if (!async) return (this.settle(epoch, started, SUCCESS), result);
      this.settle(epoch, started, this.classify(error));
      return Promise.reject(error) as T;
    }
    if (promise === undefined) {
      this.settle(epoch, started, SUCCESS);
      return (async ? Promise.resolve(result) : result) as T;
    }
    if (timed !== undefined) {
      return trackDeadline(promise, timed.owner, timed.list, epoch, started, controller) as T;
    }
    return promise.then(
      (value) => (this.settle(epoch, started, SUCCESS), value),
      (error: unknown) => {
        this.settle(epoch, started, this.classify(error));
        throw error;
      },
    ) as T;
  }

  private ownTimedCalls(): TimedCallOwner {
    return {
      settled: (call, error, failed) =>
        this.settle(call.epoch, call.started, failed ? this.classify(error) : SUCCESS),
      timedOut: (call) => {
        this.timeouts++;
        this.settle(call.epoch, call.started, FAILURE, true);
        return withoutStackTrace(() => new CallTimeoutError(this.name, this.options.timeoutMs!));
      },
    };
  }

  private classify(error: unknown): Outcome {
    if (error === CALL_CANCELLED) return IGNORED;
    try {
      return this.options.isFailure(error) ? FAILURE : IGNORED;
    } catch (bug) {
      reportCallbackError(bug);
      return FAILURE;
    }
  }

  private settle(epoch: number, started: number, outcome: Outcome, timedOut = false): void {
    this.inFlight--;
    const slowAfterMs = this.options.slowCallDurationMs;
    const observed = this.hooks?.observer !== undefined;
    const elapsed = slowAfterMs !== undefined || observed ? performance.now() - started : 0;
    const slow = slowAfterMs !== undefined && elapsed >= slowAfterMs;
    // `started` is 0 for a call that began before the observer came.
    if (observed)
      this.notify(timedOut ? 'timeout' : OUTCOME_NAMES[outcome]!, started === 0 ? 0 : elapsed);
    if (slow) this.slowCalls++;
    if (outcome === SUCCESS) this.successes++;
    else if (outcome === FAILURE) {
      this.failures++;
      this.lastFailureAt = clockNow();
    } else this.ignored++;

    if (epoch !== this.epoch) return;
    if (this.current === CircuitState.HalfOpen) this.probeSettled(started, outcome, slow);
    else if (outcome !== IGNORED) this.callSettled(outcome === FAILURE, slow);
  }

  // A call of the closed (or disabled) state: feed the rules.
  private callSettled(failed: boolean, slow: boolean): void {
    const window = this.window;
    const now = window === undefined ? 0 : clockNow();
    const callsLeft = window?.record(now, failed, slow);
    this.consecutiveFailures = failed ? this.consecutiveFailures + 1 : 0;
    // A failure or a slow call can push a count or a rate over its threshold. A success can
    // only when it brings the window up to `minimumThroughput`, or when older calls have just
    // left the window (successes among them: the rates may have risen); otherwise it lowers them.
    const mayTrip =
      failed ||
      slow ||
      (window !== undefined &&
        (callsLeft! || window.recordedCalls === this.options.minimumThroughput));
    if (mayTrip && this.current === CircuitState.Closed) {
      const totals = window?.totals(now);
      for (const rule of TRIP_RULES) {
        if (rule.tripped(this.consecutiveFailures, totals, this.options)) {
          return this.transition(CircuitState.Open, rule.reason);
        }
      }
    }
  }

  private probeSettled(started: number, outcome: Outcome, slow: boolean): void {
    const starts = this.probeStarts!;
    const at = starts.indexOf(started);
    if (at !== -1) starts.splice(at, 1);
    // A slow probe fails when slowness is what the circuit watches: the dependency has not recovered.
    if (outcome === FAILURE || (slow && this.options.slowCallRateThreshold !== undefined)) {
      this.failedProbes++;
      return this.transition(CircuitState.Open, 'probe_failed');
    }
    this.probesInFlight--;
    if (outcome === SUCCESS && ++this.probeSuccesses >= this.options.successThreshold) {
      this.transition(CircuitState.Closed, 'probes_succeeded');
    }
  }

  // Half-open permits: this circuit's own, or its share of those of every replica.
  private probePermits(): number {
    const { halfOpenMaxCalls, resetTimeoutMs } = this.options;
    const shared = this.hooks?.probes;
    if (shared === undefined) return halfOpenMaxCalls;
    // A permit is held as long as its probe may run: past that, the probe has failed by the clock.
    return shared.held(
      this.name,
      this.openUntilEpochMs,
      halfOpenMaxCalls,
      this.probesInFlight,
      clockNow(),
      resetTimeoutMs,
      this.probeBoundMs(),
    );
  }

  private hook(hooks: CircuitHooks): void {
    const merged: CircuitHooks = { ...this.hooks, ...hooks };
    const used = Object.values(merged).some((hook) => hook !== undefined);
    this.hooks = used ? merged : undefined;
  }

  private transition(
    to: CircuitState,
    reason: CircuitTransitionReason,
    openUntil?: number,
    openUntilEpoch?: number,
  ): void {
    const from = this.current;
    const now = clockNow();
    this.current = to;
    this.epoch++;
    this.lastStateChangeAt = now;
    if (to === CircuitState.Open) {
      this.openUntil = openUntil ?? now + openDurationMs(this.options, this.failedProbes);
      this.openUntilEpochMs = openUntilEpoch ?? toEpochTime(this.openUntil);
    } else if (to === CircuitState.HalfOpen) this.probesInFlight = this.probeSuccesses = 0;
    else if (to === CircuitState.Closed || to === CircuitState.Disabled) this.startAfresh();
    // Probes of an earlier period no longer hold the circuit: their late answers are ignored.
    if (this.probeStarts !== undefined) this.probeStarts.length = 0;
    this.emit({ circuit: this.name, from, to, at: toIsoTime(now), reason });
  }

  private startAfresh(): void {
    this.consecutiveFailures = this.failedProbes = 0;
    this.window?.clear();
  }

  private emit(change: CircuitStateChange): void {
    const listeners = [this.options.onStateChange, ...(this.hooks?.listeners ?? [])];
    for (const listener of listeners) {
      try {
        listener?.(change);
      } catch (error) {
        reportCallbackError(error);
      }
    }
  }

  private notify(outcome: CallOutcome, durationMs: number): void {
    try {
      this.hooks?.observer?.(outcome, durationMs);
    } catch (error) {
      reportCallbackError(error);
    }
  }

  private retryAfterMs(now: number): number {
    return this.current === CircuitState.Open ? Math.max(0, Math.ceil(this.openUntil - now)) : 0;
  }

  /**
   * What a refusal says about retrying: while open, the time left; while half-open with every
   * permit taken, the time left to the oldest probe's bound, when it has either answered or
   * failed by the clock.
   */
  private refusalRetryAfterMs(state: CircuitState): number {
    const now = clockNow();
    if (state !== CircuitState.HalfOpen) return this.retryAfterMs(now);
    const oldest = this.probeStarts?.[0];
    return oldest === undefined ? 0 : Math.max(0, Math.ceil(oldest + this.probeBoundMs() - now));
  }

  /** How long a probe may run: `probeTimeoutMs`, or `timeoutMs` when that ends it first. */
  private probeBoundMs(): number {
    const { probeTimeoutMs, timeoutMs } = this.options;
    return timeoutMs === undefined ? probeTimeoutMs : Math.min(probeTimeoutMs, timeoutMs);
  }
}

function notAFunction(method: string, value: unknown): TypeError {
  return new TypeError(`Circuit.${method}() takes a function, got ${typeof value}`);
}

/**
 * The signal a wrapped function receives: the circuit's own, or, when the caller passed a
 * signal of its own in that place, one that aborts when either does.
 */
function followed(given: unknown, own: AbortSignal): AbortSignal {
  return given instanceof AbortSignal ? AbortSignal.any([given, own]) : own;
}
