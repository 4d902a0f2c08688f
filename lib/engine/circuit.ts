import { AdaptiveTimeout } from './adaptive-timeout.js';
import { CALL_CANCELLED } from './call-cancelled.js';
import { CallPolicies } from './call-policies.js';
import { follow, NO_SIGNAL, signalIn, withSignalParameter, type Unfollow } from './call-signal.js';
import type { CallObserver, CallOutcome } from './call-observer.js';
import {
  deadlineListFor,
  stopIdleDeadlineTimer,
  trackDeadline,
  type DeadlineList,
  type TimedCallOwner,
} from './call-deadlines.js';
import { CallTimeoutError } from './errors/call-timeout.error.js';
import { CircuitOpenError } from './errors/circuit-open.error.js';
import { CircuitSnapshotError } from './errors/circuit-snapshot.error.js';
import {
  assertCircuitName,
  resolveCircuitOptions,
  type CircuitOptions,
  type ResolvedCircuitOptions,
} from './circuit-options.js';
import {
  CircuitState,
  isForcedState,
  type CircuitStateChange,
  type CircuitTransitionReason,
  type SharedCircuitState,
} from './circuit-state.js';
import {
  checkCircuitSnapshot,
  CIRCUIT_SNAPSHOT_VERSION,
  type CircuitSnapshot,
  type SnapshotCounters,
} from './circuit-snapshot.js';
import type { CircuitStats } from './circuit-stats.js';
import { clockNow, epochToWall, wallNow, wallToEpoch, wallToIso } from './clock.js';
import { LatencyHistogram } from './latency-histogram.js';
import { longestBackoffStep, longestOpenMs, openDurationMs } from './open-duration.js';
import { asPromise, rejectSoon } from './promise-like.js';
import { reportCallbackError } from './report-callback-error.js';
import { CountWindow } from './count-window.js';
import type { OutcomeWindow } from './outcome-window.js';
import { RollingWindow } from './rolling-window.js';
import { SharedProbes, type ProbePermits } from './shared-probes.js';
import { StateChanges, type CircuitTransition } from './transition-history.js';
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
const NO_POLICY_STATS = { bulkhead: null, retry: null } as const;
/** A random number for open durations that leaves them as the backoff makes them. */
const NO_JITTER = () => 0.5;
/** The start of a call whose duration nobody watches (a time never reads as negative). */
const NOT_MEASURED = -1;

/** `execute()` options. */
export interface ExecuteOptions {
  /**
   * The caller's own signal: the function gets it (with the circuit's, when `timeoutMs` is set),
   * and it ends a pending retry delay or a wait for the bulkhead at once.
   */
  signal?: AbortSignal;
  /**
   * `false`: this call is tried once, whatever the circuit's `retry` says (a request that must
   * not run twice, such as a POST). Default: the circuit's `retry`.
   */
  retry?: false;
}

/** `wrap()` and `wrapSync()` options. */
export interface WrapOptions {
  /**
   * The index of the argument that receives the call's `AbortSignal` (aborted when `timeoutMs`
   * runs out). A signal the caller passes there is kept and followed too (it also ends a pending
   * retry delay or a wait for the bulkhead). Without `timeoutMs` the argument is left as the
   * caller gave it.
   */
  signalAt?: number;
}

/** The probes of one half-open period: when each in flight started, oldest first; how many succeeded. */
interface HalfOpenProbes {
  readonly starts: number[];
  successes: number;
}

/** Calls with a deadline: the list of the timeout in force, which an adaptive timeout moves. */
interface TimedCalls {
  list: DeadlineList;
  readonly owner: TimedCallOwner;
  readonly adaptive: AdaptiveTimeout | undefined;
}

// What listeners, metrics and shared stores add to a circuit: one field, kept only when used.
interface CircuitHooks {
  listeners?: StateChangeListener[];
  /** Every call observer, called as one (see `observeCalls`). */
  observer?: CallObserver;
  observers?: readonly CallObserver[];
  probes?: SharedProbes;
}

/**
 * A circuit breaker around one dependency. Calls pass while it is closed; when a trip rule
 * fires it opens and rejects calls at once with `CircuitOpenError`; after the open duration
 * it lets probes through (half-open) and closes again when they succeed.
 *
 * No timer runs per circuit: the open → half-open step is taken from the clock when the
 * circuit is next used or read, as of when it came due.
 *
 * @example
 * const inventory = new Circuit('inventory', { failureThreshold: 3, timeoutMs: 2_000 });
 * const stock = await inventory.execute((signal) => fetch(url, { signal }));
 */
export class Circuit {
  // Every field is set in the constructor, unused ones to undefined, in one order: every circuit
  // then has one shape, whatever its options, and the call path stays monomorphic in an app
  // with circuits of every kind.
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
  /** The half-open period's probes: built when it starts. */
  private probes: HalfOpenProbes | undefined = undefined;
  /** Probes failed in a row since the circuit last closed: the backoff exponent. */
  private failedProbes = 0;
  /** When the open period ends, by `clockNow()`: what decides. */
  private openUntil = 0;
  // Wall-clock times (`wallNow()`), read when it happened: what is reported and shared.
  private openUntilWall = 0;
  private lastStateChangeAt = wallNow();
  private lastFailureAt: number | undefined = undefined;

  /** Kept only when a rate rule is on. */
  private readonly window: OutcomeWindow | undefined = undefined;
  /**
   * Kept once calls are timed; it says which are (see `measureCalls`). One reading of the clock
   * at each end of a call serves the latency stats, the slow-call rule, the adaptive timeout and
   * the call observers (metrics) alike.
   */
  private latency: LatencyHistogram | undefined = undefined;
  /** Kept from the first state change: the history, and the openings for flapping. */
  private changes: StateChanges | undefined = undefined;
  /** Kept only when a retry or a bulkhead is configured: calls go through it. */
  private readonly policies: CallPolicies | undefined = undefined;
  /** Kept only when `timeoutMs` is set. */
  private readonly timed: TimedCalls | undefined = undefined;
  private hooks: CircuitHooks | undefined = undefined;
  /**
   * Changes made while listeners hear of another (a listener that reads the state may move it
   * on): each is told after the one before it has reached every listener, so all hear them in order.
   */
  private unheard: CircuitStateChange[] | undefined = undefined;

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
    const { failureRateThreshold, slowCallRateThreshold, slowCallDurationMs, timeoutMs } =
      this.options;
    if (failureRateThreshold !== undefined || slowCallRateThreshold !== undefined) {
      this.window =
        this.options.windowType === 'count'
          ? new CountWindow(this.options.windowSize, slowCallDurationMs !== undefined)
          : new RollingWindow(this.options.windowMs, slowCallDurationMs !== undefined);
    }
    if (timeoutMs !== undefined) {
      const adaptive =
        typeof timeoutMs === 'object'
          ? new AdaptiveTimeout(timeoutMs, this.options.windowMs)
          : undefined;
      const list = deadlineListFor(adaptive?.current ?? (timeoutMs as number));
      this.timed = { list, owner: this.ownTimedCalls(), adaptive };
    }
    this.measureCalls();
    const { retry, maxConcurrent, maxQueued } = this.options;
    if (retry !== undefined || maxConcurrent !== undefined) {
      this.policies = new CallPolicies(
        {
          name: this.name,
          callThrough: (fn, self, args, async, signalAt) =>
            this.call(fn, self, args, async, signalAt),
          refusesNow: () => !this.admits(this.state) && this.hooks?.probes?.answer === undefined,
          promisedFor: (result) => this.promisedFor(result),
          counts: (error) => this.classify(error) === FAILURE,
        },
        retry,
        maxConcurrent === undefined
          ? undefined
          : { maxConcurrent, maxQueued, waitMs: () => this.timed?.list.timeoutMs },
        this.options.windowMs,
      );
    }
  }

  /**
   * The current state, read from the clock: an open circuit whose open duration has passed is
   * half-open, and a half-open one whose oldest probe has run past `probeTimeoutMs` is open again.
   */
  get state(): CircuitState {
    const current = this.current;
    return current === CircuitState.Open || current === CircuitState.HalfOpen
      ? this.stateAt(clockNow())
      : current;
  }

  /**
   * The state at `now` (by `clockNow()`) of an open or half-open circuit, moved on as the clock
   * says: open → half-open when the open duration has passed, half-open → open when the oldest
   * probe has run past `probeTimeoutMs`. Each step is taken as of when its time ran out, not when
   * someone looks: after a quiet spell a hung probe's reopening is timed from its deadline, and
   * if that open period has passed too, the circuit is half-open again (a few steps at most).
   */
  private stateAt(now: number): CircuitState {
    for (;;) {
      const current = this.current;
      if (current === CircuitState.Open) {
        const until = this.openUntil;
        if (now < until) break;
        this.transition(
          CircuitState.HalfOpen,
          'reset_timeout_elapsed',
          undefined,
          undefined,
          until,
        );
      } else if (current === CircuitState.HalfOpen && this.probes!.starts.length > 0) {
        // Whole milliseconds, as every clock time a circuit keeps; never after `now`.
        const deadline = Math.ceil(this.probes!.starts[0]! + this.options.probeTimeoutMs);
        if (now < deadline) break;
        this.countFailedProbe();
        this.transition(CircuitState.Open, 'probe_timed_out', undefined, undefined, deadline);
      } else break;
    }
    return this.current;
  }

  /** Whether a call made in `state` goes through: closed, disabled, or a probe permit free. */
  private admits(state: CircuitState): boolean {
    return (
      state === CircuitState.Closed ||
      state === CircuitState.Disabled ||
      (state === CircuitState.HalfOpen && this.probesInFlight() < this.probePermits())
    );
  }

  /**
   * Runs `fn` through the circuit. Always returns a promise: of `fn`'s value, or rejected with
   * what `fn` threw or rejected with (the same object), or with `CircuitOpenError` when the
   * circuit refuses the call, never a synchronous throw. `fn` gets an `AbortSignal` when
   * `timeoutMs` is set and it declares a parameter to receive it, and `undefined` otherwise.
   */
  execute<T>(
    fn: (signal: AbortSignal | undefined) => T | PromiseLike<T>,
    options?: ExecuteOptions,
  ): Promise<T> {
    if (typeof fn !== 'function') return Promise.reject(notAFunction('execute', fn));
    const signal = options?.signal;
    const policies = this.policies;
    if (policies !== undefined) {
      return policies.call(
        fn,
        undefined,
        undefined,
        NO_SIGNAL,
        signal,
        options?.retry !== false,
      ) as Promise<T>;
    }
    if (signal === undefined)
      return this.call(fn, undefined, undefined, ASYNC, NO_SIGNAL) as Promise<T>;
    // The caller's signal goes where `wrap` puts one, the function's first argument, so that its
    // abort judges the call (see `failedOutcome`); a function that declares none gets none.
    return this.call(withSignalParameter(fn), undefined, [signal], ASYNC, 0) as Promise<T>;
  }

  /**
   * Runs a sync `fn` through the circuit and returns exactly what it returns or throws;
   * throws `CircuitOpenError` when the circuit refuses the call. A promise `fn` returns is
   * still counted when it settles.
   */
  executeSync<T>(fn: (signal: AbortSignal | undefined) => T): T {
    if (typeof fn !== 'function') throw notAFunction('executeSync', fn);
    const policies = this.policies;
    if (policies !== undefined) return policies.callSync(fn, undefined, undefined, NO_SIGNAL) as T;
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
    const window = this.window?.totals();
    const windowCalls = window?.calls ?? 0;
    return {
      name: this.name,
      state,
      consecutiveFailures: this.consecutiveFailures,
      totalCalls: this.callCounts().totalCalls,
      ...this.counters(),
      inFlight: this.inFlight,
      windowCalls,
      windowFailures: window?.failures ?? 0,
      windowSlowCalls: window?.slow ?? 0,
      failureRate: windowCalls === 0 ? 0 : window!.failures / windowCalls,
      slowCallRate: windowCalls === 0 ? 0 : window!.slow / windowCalls,
      lastFailureAt: this.lastFailureAt === undefined ? null : wallToIso(this.lastFailureAt),
      lastStateChangeAt: wallToIso(this.lastStateChangeAt),
      openUntil: state === CircuitState.Open ? this.reportedOpenUntil(now) : null,
      retryAfterMs: this.retryAfterMs(now),
      openDurationMs:
        state === CircuitState.Open ? this.openUntilWall - this.lastStateChangeAt : null,
      nextOpenDurationMs: this.nextOpenDurationMs(state),
      latency: this.latency?.summary(now) ?? null,
      flapping: this.changes?.flapping(now) ?? false,
      timeoutMs: this.timeoutInForce(now),
      ...(this.policies?.stats() ?? NO_POLICY_STATS),
    };
  }

  /** The last `historySize` state changes, oldest first, each with the figures that explain it. */
  history(): CircuitTransition[] {
    return this.changes?.list() ?? [];
  }

  /**
   * Where the circuit stands, as plain JSON: its state and the time left open, the backoff step,
   * the counters and the window. `restore()` starts a circuit from it, in this process or another.
   */
  snapshot(): CircuitSnapshot {
    const state = this.state;
    const now = clockNow();
    return {
      version: CIRCUIT_SNAPSHOT_VERSION,
      name: this.name,
      takenAt: wallToIso(wallNow()),
      state,
      openRemainingMs: this.retryAfterMs(now),
      backoffStep: this.failedProbes,
      consecutiveFailures: this.consecutiveFailures,
      lastFailureAt: this.lastFailureAt === undefined ? null : wallToIso(this.lastFailureAt),
      counters: this.counters(),
      window: this.window?.snapshot() ?? null,
    };
  }

  /**
   * Puts the circuit where `snapshot` says, less the time passed since it was taken (by the wall
   * clock): an open circuit stays open for what was left of its period, never longer than its
   * own `maxResetTimeoutMs`; a half-open one is open with no time left, its next call a probe.
   * The window is taken when it is of the same kind and length as this circuit's, and starts
   * empty otherwise. Reported as a state change with reason `restored`; calls in flight no
   * longer count.
   * @throws CircuitSnapshotError, having changed nothing, for a snapshot of another version,
   * of another circuit, or with a value out of place.
   */
  restore(snapshot: CircuitSnapshot): void {
    const restored = this.checkSnapshot(snapshot);
    const elapsed = Math.max(0, Date.now() - Date.parse(restored.takenAt));
    ({
      successes: this.successes,
      failures: this.failures,
      rejections: this.rejections,
      timeouts: this.timeouts,
      slowCalls: this.slowCalls,
      ignored: this.ignored,
    } = restored.counters);
    this.lastFailureAt =
      restored.lastFailureAt === null ? undefined : epochToWall(Date.parse(restored.lastFailureAt));
    this.consecutiveFailures = restored.consecutiveFailures;
    this.failedProbes = restored.backoffStep;
    if (restored.window === null) this.window?.clear();
    else this.window?.restore(restored.window, elapsed);
    const state = restored.state === CircuitState.HalfOpen ? CircuitState.Open : restored.state;
    if (state === CircuitState.Open) {
      const left = Math.max(0, restored.openRemainingMs - elapsed);
      this.transition(state, 'restored', Math.min(left, longestOpenMs(this.options)));
    } else if (state !== this.current) this.transition(state, 'restored');
    else this.epoch++;
  }

  /**
   * Checks `snapshot` as one this circuit could restore (`checkCircuitSnapshot`, its name, and a
   * backoff step its options could reach) and returns the checked copy; `at` prefixes field
   * names. The registry checks every circuit's before it restores any.
   * @throws CircuitSnapshotError naming the field at fault.
   * @internal
   */
  checkSnapshot(snapshot: unknown, at = ''): CircuitSnapshot {
    const restored = checkCircuitSnapshot(snapshot, at);
    if (restored.name !== this.name) {
      throw new CircuitSnapshotError(
        `${at}name`,
        restored.name,
        `"${this.name}", this circuit's name`,
      );
    }
    const longest = this.longestBackoffStep();
    if (restored.backoffStep > longest) {
      throw new CircuitSnapshotError(
        `${at}backoffStep`,
        restored.backoffStep,
        `at most ${longest} (where this circuit's open duration stops growing)`,
      );
    }
    return restored;
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
    this.lastFailureAt = undefined;
    this.latency?.clear();
    this.policies?.reset();
    if (this.timed?.adaptive !== undefined) {
      this.timed.adaptive.clear();
      this.followAdaptiveTimeout();
    }
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
    if (isForcedState(this.current)) this.transition(CircuitState.Closed, 'released');
  }

  /**
   * Opens the circuit for `durationMs` because the dependency asked for room (an upstream's
   * 429 or 503 with `Retry-After`): reason `retry_after`. It answered, so no failure is counted
   * and the backoff takes no step; refusals meanwhile are rejections, and then it is half-open
   * and probes as after any open period. From closed, half-open or open alike, the longer open
   * period wins (never longer than `maxResetTimeoutMs`); 0 ms, forced open or disabled: nothing
   * changes. Calls in flight settle as calls of an earlier period.
   * @throws TypeError unless `durationMs` is a finite number ≥ 0.
   */
  holdOpen(durationMs: number): void {
    if (typeof durationMs !== 'number' || !(durationMs >= 0) || durationMs === Infinity) {
      throw new TypeError(
        `Circuit.holdOpen() takes a finite number of milliseconds ≥ 0, got ${String(durationMs)}`,
      );
    }
    const now = clockNow();
    const state = this.stateAt(now);
    if (isForcedState(state)) return;
    // Whole milliseconds, as every clock time a circuit keeps: rounded up, never cut short.
    const forMs = Math.min(Math.ceil(durationMs), longestOpenMs(this.options));
    const until = now + forMs;
    if (forMs === 0 || (state === CircuitState.Open && this.openUntil >= until)) return;
    this.transition(CircuitState.Open, 'retry_after', forMs);
  }

  /** Calls `listener` on every state change, after `onStateChange`. Returns the unsubscribe. */
  subscribe(listener: StateChangeListener): () => void {
    this.hook({ listeners: [...(this.hooks?.listeners ?? []), listener] });
    return () => {
      this.hook({ listeners: this.hooks?.listeners?.filter((l) => l !== listener) });
    };
  }

  /**
   * Shows `observer` the outcome and duration of every call from now on (metrics do this).
   * Several observers may watch one circuit. Returns what stops it.
   */
  observeCalls(observer: CallObserver): () => void {
    this.setObservers([...(this.hooks?.observers ?? []), observer]);
    return () => this.setObservers((this.hooks?.observers ?? []).filter((o) => o !== observer));
  }

  /**
   * Shares the half-open probe permits with other replicas through `permits` (a shared store
   * does this); `undefined` goes back to this circuit's own `halfOpenMaxCalls`.
   */
  shareProbePermits(permits: ProbePermits | undefined): void {
    const inFlight = () => (this.current === CircuitState.HalfOpen ? this.probesInFlight() : -1);
    this.hook({ probes: permits && new SharedProbes(permits, inFlight) });
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
    if (isForcedState(current) && !manual && !isForcedState(state)) return;
    if (state === CircuitState.Open) {
      const sameOpening =
        (current === CircuitState.Open || current === CircuitState.HalfOpen) &&
        Math.abs(this.openUntilWall - epochToWall(openUntil)) <= 1; // stores keep whole ms
      // The same period: named as the other replica names it, for one shared probe budget.
      if (sameOpening) return void (this.openUntilWall = epochToWall(openUntil));
      // As long as the other replica said, never longer than this circuit ever stays open.
      const left = Math.round(openUntil - Date.now());
      const duration = Math.min(Math.max(0, left), longestOpenMs(this.options));
      this.transition(
        CircuitState.Open,
        'shared',
        duration,
        left === duration ? openUntil : undefined,
      );
    } else if (current !== state) this.transition(state, 'shared');
  }

  /**
   * `stats()`'s call counters alone (totalCalls, successes, failures), with nothing worked out:
   * for the store's batched fleet reports, which read them every few hundred milliseconds.
   * @internal
   */
  callCounts(): { totalCalls: number; successes: number; failures: number } {
    const { successes, failures } = this;
    const totalCalls = successes + failures + this.ignored + this.rejections + this.inFlight;
    return { totalCalls, successes, failures };
  }

  /**
   * When the open circuit lets a probe through, in epoch milliseconds; 0 unless open or
   * half-open. For the state-sharing integration.
   * @internal
   */
  get openUntilEpoch(): number {
    const current = this.current;
    return current === CircuitState.Open || current === CircuitState.HalfOpen
      ? wallToEpoch(this.openUntilWall)
      : 0;
  }

  /**
   * Tells the call observer that a fallback answered for a call of this circuit. For the
   * decorator, which serves fallbacks.
   * @internal
   */
  reportFallback(): void {
    this.notify('fallback');
  }

  /**
   * Drops the listeners and stops an idle timeout timer (the registry's shutdown). Calls in
   * flight still settle.
   * @internal
   */
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
    const policies = this.policies;
    const wrapped =
      policies === undefined
        ? function (this: unknown, ...args: A): R {
            return circuit.call(fn, this, args, async, signalAt);
          }
        : function (this: unknown, ...args: A): R {
            if (!async) return policies.callSync(fn, this, args, signalAt) as R;
            return policies.call(fn, this, args, signalAt, signalIn(args, signalAt)) as R;
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
    mayWait = true,
  ): T {
    // One reading of the clock decides the state and says when to come back.
    const now = clockNow();
    const state = this.stateAt(now);
    // Never closed or disabled here: a call let through is a probe.
    if (this.admits(state)) return this.run(fn, self, args, async, signalAt, true);
    // Half-open, a shared permit asked for: an async call waits for the answer (milliseconds),
    // once, and runs as the probe if granted. A refused call would leave the permit unused.
    const answer = async && mayWait ? this.hooks?.probes?.answer : undefined;
    if (answer !== undefined) {
      return answer.then(() =>
        // Closed meanwhile (the probes of other replicas succeeded): an ordinary call.
        this.current === CircuitState.Closed || this.current === CircuitState.Disabled
          ? this.run(fn, self, args, async, signalAt, false)
          : this.callGuarded(fn, self, args, async, signalAt, false),
      ) as T;
    }
    this.rejections++;
    if (this.hooks?.observer !== undefined) this.notify('rejected');
    const retryAfterMs = this.refusalRetryAfterMs(state, now);
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
    const latency = this.latency;
    const started =
      probe || timed !== undefined || (latency !== undefined && latency.takesNext())
        ? performance.now()
        : NOT_MEASURED;
    if (probe) this.probes!.starts.push(started);
    // An AbortSignal is costly to build: only for a timed call whose function takes one.
    const controller =
      timed !== undefined && (args === undefined ? fn.length > 0 : signalAt !== NO_SIGNAL)
        ? new AbortController()
        : undefined;
    // The call's signal follows the caller's, if any, until the call settles.
    let unfollow: Unfollow | undefined;
    let result: T;
    try {
      if (args === undefined) result = fn(controller?.signal);
      else {
        if (controller !== undefined) {
          const given = signalIn(args, signalAt);
          if (given !== undefined) unfollow = follow(controller, given);
          args[signalAt] = controller.signal;
        }
        // A direct call for methods of none or one argument: `apply` costs a few ns more.
        const count = args.length;
        result =
          count === 0 ? fn.call(self) : count === 1 ? fn.call(self, args[0]) : fn.apply(self, args);
      }
    } catch (error) {
      unfollow?.();
      this.settle(epoch, started, this.failedOutcome(error, signalIn(args, signalAt)));
      if (async) return Promise.reject(error) as T;
      throw error;
    }
    let promise: Promise<unknown> | undefined;
    try {
      promise = asPromise(result);
    } catch (error) {
      unfollow?.();
      // A value whose `then` cannot be read. A sync caller gets the value itself, as returned:
      // a success. Awaiting it rejects with that error: an async caller gets the error.
      if (!async) return (this.settle(epoch, started, SUCCESS), result);
      this.settle(epoch, started, this.classify(error));
      return Promise.reject(error) as T;
    }
    if (promise === undefined) {
      unfollow?.();
      this.settle(epoch, started, SUCCESS);
      return (async ? Promise.resolve(result) : result) as T;
    }
    const counted =
      timed !== undefined
        ? trackDeadline(promise, timed.owner, timed.list, epoch, started, controller, unfollow)
        : promise.then(
            (value) => (this.settle(epoch, started, SUCCESS), value),
            (error: unknown) => {
              this.settle(epoch, started, this.failedOutcome(error, signalIn(args, signalAt)));
              throw error;
            },
          );
    if (!async && this.options.maxConcurrent !== undefined) this.promisedForSync = counted;
    return counted as T;
  }

  /**
   * The promise the last sync call returned in place of its function's thenable, kept with a
   * bulkhead only. The bulkhead of sync calls learns from it that a call is still running,
   * where reading the value's `then` again might say otherwise (see `CallPolicies.callSync`).
   */
  private promisedForSync: Promise<unknown> | undefined = undefined;

  /** Whether `result`, what a sync call returned, is the promise it made of a thenable. */
  private promisedFor(result: unknown): boolean {
    const promised = this.promisedForSync;
    this.promisedForSync = undefined; // holds no settled value for long
    return promised !== undefined && promised === result;
  }

  private ownTimedCalls(): TimedCallOwner {
    return {
      // The call's own signal aborted before it settled: by the caller's, which it follows.
      settled: (call, error, failed) =>
        this.settle(
          call.epoch,
          call.started,
          failed ? this.failedOutcome(error, call.controller?.signal) : SUCCESS,
        ),
      timedOut: (call) => {
        this.timeouts++;
        this.settle(call.epoch, call.started, FAILURE, call.list.timeoutMs);
        return withoutStackTrace(() => new CallTimeoutError(this.name, call.list.timeoutMs));
      },
    };
  }

  /**
   * A call that failed after its caller's signal aborted: the caller gave up (a client gone, a
   * deadline of its own), which says nothing of the dependency, so it is not counted. Otherwise
   * as `isFailure` says.
   */
  private failedOutcome(error: unknown, callerSignal: AbortSignal | undefined): Outcome {
    return callerSignal?.aborted === true ? IGNORED : this.classify(error);
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

  /** `timedOutAfterMs`: for a call that ran out of time, the timeout it ran under. */
  private settle(epoch: number, started: number, outcome: Outcome, timedOutAfterMs?: number): void {
    this.inFlight--;
    // One reading of the clock serves the latency, the slow-call rule and the observers. A call
    // that began before timing did, or that the sample left out, is not timed.
    const latency = this.latency;
    const ended =
      started !== NOT_MEASURED && latency !== undefined && latency.timing !== 'none'
        ? performance.now()
        : NOT_MEASURED;
    const elapsed = ended === NOT_MEASURED ? 0 : ended - started;
    // How many calls this duration stands for: 0 for none measured.
    const weight = ended === NOT_MEASURED ? 0 : latency!.weight;
    if (ended !== NOT_MEASURED) latency!.record(ended, elapsed, weight);
    const slowAfterMs = this.options.slowCallDurationMs;
    const slow = slowAfterMs !== undefined && ended !== NOT_MEASURED && elapsed >= slowAfterMs;
    if (this.hooks?.observer !== undefined)
      this.notify(
        timedOutAfterMs !== undefined ? 'timeout' : OUTCOME_NAMES[outcome]!,
        elapsed,
        weight,
      );
    if (slow) this.slowCalls++;
    const adaptive = this.timed?.adaptive;
    // A call that timed out under a timeout the adaptive one has since raised (one of the calls
    // in flight together when the dependency slowed down: the first to time out raised it) says
    // nothing the first did not. The caller gets its timeout and the stats count it, but the
    // trip rules do not count it again: a slowdown under load is not that many failures.
    const superseded =
      timedOutAfterMs !== undefined && adaptive !== undefined && timedOutAfterMs < adaptive.current;
    // Successes and timeouts move an adaptive timeout (every call is timed then): a timeout
    // says the dependency took at least that long, and backs it off (see `AdaptiveTimeout`).
    if (
      adaptive !== undefined &&
      ended !== NOT_MEASURED &&
      (outcome === SUCCESS
        ? adaptive.succeeded(ended, elapsed)
        : timedOutAfterMs !== undefined && adaptive.timedOut(ended, timedOutAfterMs))
    ) {
      this.followAdaptiveTimeout();
    }
    if (outcome === SUCCESS) this.successes++;
    else if (outcome === FAILURE) {
      this.failures++;
      this.lastFailureAt = wallNow();
    } else this.ignored++;

    if (epoch !== this.epoch) return;
    if (this.current === CircuitState.HalfOpen) this.probeSettled(started, outcome, slow);
    else if (outcome !== IGNORED && !superseded) this.callSettled(outcome === FAILURE, slow);
  }

  // A call of the closed (or disabled) state: feed the rules.
  private callSettled(failed: boolean, slow: boolean): void {
    const window = this.window;
    const callsLeft = window?.record(failed, slow);
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
      const totals = window?.totals();
      for (const rule of TRIP_RULES) {
        if (rule.tripped(this.consecutiveFailures, totals, this.options)) {
          return this.transition(CircuitState.Open, rule.reason);
        }
      }
    }
  }

  private probeSettled(started: number, outcome: Outcome, slow: boolean): void {
    const probes = this.probes!;
    const starts = probes.starts;
    const at = starts.indexOf(started);
    if (at !== -1) starts.splice(at, 1);
    // A slow probe fails when slowness is what the circuit watches: the dependency has not recovered.
    if (outcome === FAILURE || (slow && this.options.slowCallRateThreshold !== undefined)) {
      this.countFailedProbe();
      return this.transition(CircuitState.Open, 'probe_failed');
    }
    if (outcome === SUCCESS && ++probes.successes >= this.options.successThreshold) {
      this.transition(CircuitState.Closed, 'probes_succeeded');
    }
  }

  /** One more backoff step, up to the one whose open duration is the cap: past it nothing changes. */
  private countFailedProbe(): void {
    if (this.failedProbes < this.longestBackoffStep()) this.failedProbes++;
  }

  /** Worked out once (logarithms, then a search): the options never change. */
  private longestStep: number | undefined = undefined;
  private longestBackoffStep(): number {
    return (this.longestStep ??= longestBackoffStep(this.options));
  }

  /** Probes let through in this half-open period that have not answered: one start each. */
  private probesInFlight(): number {
    return this.probes?.starts.length ?? 0;
  }

  // Half-open permits: this circuit's own, or its share of those of every replica.
  private probePermits(): number {
    const { halfOpenMaxCalls, resetTimeoutMs } = this.options;
    const shared = this.hooks?.probes;
    if (shared === undefined) return halfOpenMaxCalls;
    // A permit is held as long as its probe may run: past that, the probe has failed by the clock.
    return shared.held(
      this.name,
      wallToEpoch(this.openUntilWall),
      halfOpenMaxCalls,
      this.probesInFlight(),
      clockNow(),
      resetTimeoutMs,
      this.probeBoundMs(),
    );
  }

  // The call path calls one function however many observe: the observer itself, or one that calls each.
  private setObservers(observers: readonly CallObserver[]): void {
    const observer =
      observers.length <= 1
        ? observers[0]
        : (outcome: CallOutcome, durationMs: number, weight: number) => {
            for (const each of observers) {
              try {
                each(outcome, durationMs, weight);
              } catch (error) {
                reportCallbackError(error);
              }
            }
          };
    this.hook({ observer, observers: observers.length === 0 ? undefined : observers });
    this.measureCalls();
  }

  // Calls are timed when something reads their durations; the latency is kept from then on.
  private measureCalls(): void {
    const { trackLatency, slowCallDurationMs, timeoutMs, windowMs } = this.options;
    const watched = trackLatency || this.hooks?.observer !== undefined;
    // Every call when a rule needs each duration or a timeout reads the start anyway; a sample
    // when only the latency and observers read them.
    const timing =
      slowCallDurationMs !== undefined ||
      typeof timeoutMs === 'object' ||
      (watched && timeoutMs !== undefined)
        ? 'every'
        : watched
          ? 'sample'
          : 'none';
    if (timing !== 'none') this.latency ??= new LatencyHistogram(windowMs);
    if (this.latency !== undefined) this.latency.timing = timing;
  }

  private hook(hooks: CircuitHooks): void {
    const merged: CircuitHooks = { ...this.hooks, ...hooks };
    const used = Object.values(merged).some((hook) => hook !== undefined);
    this.hooks = used ? merged : undefined;
  }

  /**
   * Moves to `to`. Opening, it stays open `openForMs` (by default the duration its options and
   * failed probes give), until `openUntilEpoch` by the wall clock when another replica said so.
   * `asOf` (a `clockNow()` time, not after now) is when a change the clock decided came due:
   * the change is dated then on both clocks, and an open period runs from then.
   */
  private transition(
    to: CircuitState,
    reason: CircuitTransitionReason,
    openForMs?: number,
    openUntilEpoch?: number,
    asOf?: number,
  ): void {
    const from = this.current;
    const now = clockNow();
    const since = asOf ?? now;
    const wall = wallNow() - (now - since);
    const explained = this.options.historySize > 0 ? this.figuresAt(now) : undefined;
    this.current = to;
    this.epoch++;
    this.lastStateChangeAt = wall;
    if (to === CircuitState.Open) {
      const duration = openForMs ?? openDurationMs(this.options, this.failedProbes);
      this.openUntil = since + duration;
      this.openUntilWall =
        openUntilEpoch === undefined ? wall + duration : epochToWall(openUntilEpoch);
    }
    // A restored circuit keeps the counts it was given.
    if ((to === CircuitState.Closed || to === CircuitState.Disabled) && reason !== 'restored')
      this.startAfresh();
    // Probes of an earlier period no longer hold the circuit: their late answers are ignored.
    this.probes = to === CircuitState.HalfOpen ? { starts: [], successes: 0 } : undefined;
    const at = wallToIso(wall);
    const changes = (this.changes ??= new StateChanges(this.options));
    if (explained !== undefined) changes.add({ from, to, reason, at, ...explained });
    // Flapping is the trip rules opening it again and again: an upstream's Retry-After is not.
    if (to === CircuitState.Open && from === CircuitState.Closed && reason !== 'retry_after')
      changes.opened(since);
    this.emit({ circuit: this.name, from, to, at, reason });
  }

  private startAfresh(): void {
    this.consecutiveFailures = this.failedProbes = 0;
    this.window?.clear();
  }

  private emit(change: CircuitStateChange): void {
    if (this.unheard !== undefined) return void this.unheard.push(change);
    const unheard: CircuitStateChange[] = (this.unheard = [change]);
    try {
      for (let i = 0; i < unheard.length; i++) {
        const listeners = [this.options.onStateChange, ...(this.hooks?.listeners ?? [])];
        for (const listener of listeners) {
          try {
            listener?.(unheard[i]!);
          } catch (error) {
            reportCallbackError(error);
          }
        }
      }
    } finally {
      this.unheard = undefined;
    }
  }

  private notify(outcome: CallOutcome, durationMs = 0, weight = 0): void {
    try {
      this.hooks?.observer?.(outcome, durationMs, weight);
    } catch (error) {
      reportCallbackError(error);
    }
  }

  /**
   * When the open circuit lets a probe through, by the wall clock: as it read when the circuit
   * opened, so that every read (and every replica) says the same; unless the wall clock has
   * since been stepped by more than a second, and then as it reads now.
   */
  private reportedOpenUntil(now: number): string {
    const byNow = wallNow() + (this.openUntil - now);
    return wallToIso(Math.abs(byNow - this.openUntilWall) > 1_000 ? byNow : this.openUntilWall);
  }

  private retryAfterMs(now: number): number {
    return this.current === CircuitState.Open ? Math.max(0, Math.ceil(this.openUntil - now)) : 0;
  }

  /**
   * What a refusal says about retrying: while open, the time left; while half-open with every
   * permit taken, the time left to the oldest probe's bound, when it has either answered or
   * failed by the clock.
   */
  private refusalRetryAfterMs(state: CircuitState, now: number): number {
    if (state !== CircuitState.HalfOpen) return this.retryAfterMs(now);
    const oldest = this.probes?.starts[0];
    return oldest === undefined ? 0 : Math.max(0, Math.ceil(oldest + this.probeBoundMs() - now));
  }

  /**
   * How long the circuit would stay open if it opened now, before jitter: a failed probe (from
   * half-open, or after the coming one) backs off once more.
   */
  private nextOpenDurationMs(state: CircuitState): number {
    const probing = state === CircuitState.Open || state === CircuitState.HalfOpen;
    return openDurationMs(this.options, this.failedProbes + (probing ? 1 : 0), NO_JITTER);
  }

  /** What the history keeps of the moment a state changes: the figures that explain it. */
  private figuresAt(now: number): Omit<CircuitTransition, 'from' | 'to' | 'reason' | 'at'> {
    const totals = this.window?.totals();
    const calls = totals?.calls ?? 0;
    return {
      consecutiveFailures: this.consecutiveFailures,
      failureRate: calls === 0 ? 0 : totals!.failures / calls,
      slowCallRate: calls === 0 ? 0 : totals!.slow / calls,
      p99Ms: this.latency?.summary(now)?.p99Ms ?? null,
    };
  }

  /** Calls starting from now get the adaptive timeout's new value. */
  private followAdaptiveTimeout(): void {
    this.timed!.list = deadlineListFor(this.timed!.adaptive!.current);
  }

  /** The timeout a call starting now gets, or null without `timeoutMs`. */
  private timeoutInForce(now: number): number | null {
    const timed = this.timed;
    if (timed === undefined) return null;
    if (timed.adaptive?.refresh(now)) this.followAdaptiveTimeout();
    return timed.list.timeoutMs;
  }

  private counters(): SnapshotCounters {
    return {
      successes: this.successes,
      failures: this.failures,
      rejections: this.rejections,
      timeouts: this.timeouts,
      slowCalls: this.slowCalls,
      ignored: this.ignored,
    };
  }

  /** How long a probe may run: `probeTimeoutMs`, or `timeoutMs` when that ends it first. */
  private probeBoundMs(): number {
    const { probeTimeoutMs } = this.options;
    const timeoutMs = this.timed?.list.timeoutMs;
    return timeoutMs === undefined ? probeTimeoutMs : Math.min(probeTimeoutMs, timeoutMs);
  }
}

function notAFunction(method: string, value: unknown): TypeError {
  return new TypeError(`Circuit.${method}() takes a function, got ${typeof value}`);
}
