import { Bulkhead } from './bulkhead.js';
import { clearDeadline, startDeadline, type TimedWait } from './call-deadlines.js';
import {
  follow,
  NO_SIGNAL,
  whenAborted,
  withSignalParameter,
  type Unfollow,
} from './call-signal.js';
import { clockNow } from './clock.js';
import { isBulkheadFullError } from './errors/bulkhead-full.error.js';
import { CallTimeoutError, isCallTimeoutError } from './errors/call-timeout.error.js';
import { isCircuitOpenError } from './errors/circuit-open.error.js';
import { RetryBudget } from './retry-budget.js';
import { retryDelay } from './retry-delays.js';
import { retryDelayMs, type ResolvedRetryOptions } from './retry-options.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- any function can go through a circuit
type AnyFunction = (...args: any[]) => unknown;

/** What the policies need of their circuit. */
export interface PolicyTarget {
  readonly name: string;
  /** One call through the circuit itself: its refusal, its probes, its rules. */
  callThrough(
    fn: AnyFunction,
    self: unknown,
    args: unknown[] | undefined,
    async: boolean,
    signalAt: number,
  ): unknown;
  /**
   * Whether the circuit would refuse a call now (open, forced open, or half-open with every
   * probe permit taken): such a call takes no place in the bulkhead, and is not retried.
   */
  refusesNow(): boolean;
  /** Whether the circuit counts `error` as a failure of the dependency. */
  counts(error: unknown): boolean;
  /**
   * Whether `result`, what a sync `callThrough` just returned, is the promise the circuit made
   * of a thenable its function returned (and counts when it settles), not a plain value.
   */
  promisedFor(result: unknown): boolean;
}

/** The bulkhead's and the retries' figures, for `stats()`. */
export interface PolicyStats {
  bulkhead: { active: number; queued: number; rejected: number } | null;
  retry: { retries: number; refused: number; budgetExhausted: number } | null;
}

/**
 * The policies around a circuit's calls, in the order resilience4j and Polly put them:
 * retry ( circuit ( bulkhead ( call ) ) ). Each attempt is a call of the circuit; a refusal of
 * the circuit or of the bulkhead is never retried; a call the circuit refuses takes no place in
 * the bulkhead. Built only when a policy is configured: without one, calls never come here.
 */
export class CallPolicies {
  private readonly bulkhead: Bulkhead | undefined;
  private readonly budget: RetryBudget | undefined;
  /** Retries that ran: the circuit and the bulkhead let them through to the dependency. */
  private retries = 0;
  /** Retries made, after their delay, that the circuit or the bulkhead refused. */
  private refused = 0;
  private budgetExhausted = 0;

  constructor(
    private readonly circuit: PolicyTarget,
    private readonly retry: ResolvedRetryOptions | undefined,
    bulkhead:
      { maxConcurrent: number; maxQueued: number; waitMs: () => number | undefined } | undefined,
    windowMs: number,
  ) {
    if (bulkhead !== undefined) {
      this.bulkhead = new Bulkhead(circuit.name, bulkhead.maxConcurrent, bulkhead.maxQueued);
      this.queueWaitMs = bulkhead.waitMs;
    }
    if (retry !== undefined) {
      this.budget = new RetryBudget(windowMs, retry.budgetRatio, retry.minRetries);
    }
  }

  /** How long a call may wait for the bulkhead: its `timeoutMs` in force, when set. */
  private readonly queueWaitMs: () => number | undefined = () => undefined;

  stats(): PolicyStats {
    const bulkhead = this.bulkhead;
    return {
      bulkhead:
        bulkhead === undefined
          ? null
          : { active: bulkhead.active, queued: bulkhead.queued, rejected: bulkhead.rejected },
      retry:
        this.retry === undefined
          ? null
          : { retries: this.retries, refused: this.refused, budgetExhausted: this.budgetExhausted },
    };
  }

  /** Fresh figures and retry budget (the circuit's `reset()`); calls running or waiting stay. */
  reset(): void {
    this.retries = this.refused = this.budgetExhausted = 0;
    this.budget?.clear();
    if (this.bulkhead !== undefined) this.bulkhead.rejected = 0;
  }

  /** A sync call: the bulkhead admits it now or refuses it; it is never retried. */
  callSync(fn: AnyFunction, self: unknown, args: unknown[] | undefined, signalAt: number): unknown {
    const bulkhead = this.bulkhead;
    if (bulkhead === undefined || this.circuit.refusesNow()) {
      return this.circuit.callThrough(fn, self, args, false, signalAt);
    }
    bulkhead.enterNow();
    let result: unknown;
    try {
      result = this.circuit.callThrough(fn, self, args, false, signalAt);
    } catch (error) {
      bulkhead.leave();
      throw error;
    }
    // The circuit read the value's `then` once and judged: asking it, not reading `then` again,
    // keeps a getter that answers otherwise on a second read from misleading the bulkhead.
    if (!this.circuit.promisedFor(result)) bulkhead.leave();
    else
      (result as Promise<unknown>).then(
        () => bulkhead.leave(),
        () => bulkhead.leave(),
      );
    return result;
  }

  /**
   * A call that returns a promise: through the bulkhead, retried as `retry` says, within its
   * deadline and until `callerSignal` aborts; tried once when `retries` is false.
   */
  async call(
    fn: AnyFunction,
    self: unknown,
    args: unknown[] | undefined,
    signalAt: number,
    callerSignal: AbortSignal | undefined,
    retries = true,
  ): Promise<unknown> {
    const { retry, budget } = this;
    const deadlineMs = retry?.deadlineMs;
    let signal = callerSignal;
    // With a deadline, the call's own signal: aborted by the deadline, or by the caller's.
    let deadline: TimedWait | undefined;
    let unfollow: Unfollow | undefined;
    if (deadlineMs !== undefined) {
      const controller = new AbortController();
      if (callerSignal !== undefined) unfollow = follow(controller, callerSignal);
      deadline = startDeadline(deadlineMs, () =>
        controller.abort(new CallTimeoutError(this.circuit.name, deadlineMs)),
      );
      signal = controller.signal;
    }
    // A function for `execute` gets the call's signal as its first argument, declared or not,
    // so that the circuit judges its attempts by it: wrapped once for every attempt.
    const target = args === undefined && signal !== undefined ? withSignalParameter(fn) : fn;
    try {
      budget?.firstAttempt(clockNow());
      for (let attempt = 1; ; attempt++) {
        try {
          return await untilAborted(
            this.attempt(target, self, args, signalAt, signal, attempt > 1),
            signal,
          );
        } catch (error) {
          if (retry === undefined || !retries || attempt >= retry.attempts || signal?.aborted) {
            throw error;
          }
          // Retries stop the moment the circuit opens: the next attempt would only be refused.
          if (!this.retriable(error) || this.circuit.refusesNow()) throw error;
          if (!budget!.tryRetry(clockNow())) {
            this.budgetExhausted++;
            throw error;
          }
          await retryDelay(retryDelayMs(retry, attempt), signal);
        }
      }
    } finally {
      clearDeadline(deadline);
      unfollow?.();
    }
  }

  /**
   * One attempt: a place in the bulkhead (unless the circuit refuses anyway), then the circuit.
   * A retry is counted as it meets the circuit: run, or refused.
   */
  private async attempt(
    fn: AnyFunction,
    self: unknown,
    args: unknown[] | undefined,
    signalAt: number,
    signal: AbortSignal | undefined,
    retry: boolean,
  ): Promise<unknown> {
    // The attempt's function gets the call's signal, beside the circuit's own (its timeoutMs):
    // in its place, or, for `execute`, as its first argument.
    let attemptArgs = args;
    let attemptSignalAt = signalAt;
    if (args === undefined) {
      if (signal !== undefined) {
        attemptArgs = [signal];
        attemptSignalAt = 0;
      }
    } else if (signalAt !== NO_SIGNAL) {
      // Each attempt its own arguments: the circuit writes its signal in the signal's place.
      attemptArgs = [...args];
      if (signal !== undefined) attemptArgs[signalAt] = signal;
    }
    const bulkhead = this.bulkhead;
    if (bulkhead === undefined || this.circuit.refusesNow()) {
      return this.through(fn, self, attemptArgs, attemptSignalAt, retry);
    }
    const entered = bulkhead.enter(signal, this.queueWaitMs());
    if (entered !== true) {
      try {
        await entered;
      } catch (error) {
        if (retry && isBulkheadFullError(error) && error.circuit === this.circuit.name) {
          this.refused++;
        }
        throw error;
      }
    }
    try {
      return await (this.through(
        fn,
        self,
        attemptArgs,
        attemptSignalAt,
        retry,
      ) as Promise<unknown>);
    } finally {
      bulkhead.leave();
    }
  }

  /** The attempt through the circuit, a retry counted as what the circuit makes of it. */
  private through(
    fn: AnyFunction,
    self: unknown,
    args: unknown[] | undefined,
    signalAt: number,
    retry: boolean,
  ): unknown {
    if (retry) {
      if (this.circuit.refusesNow()) this.refused++;
      else this.retries++;
    }
    return this.circuit.callThrough(fn, self, args, true, signalAt);
  }

  /** Whether to try `error` again: a counted failure, not a refusal, and what `retryOn` allows. */
  private retriable(error: unknown): boolean {
    const name = this.circuit.name;
    try {
      if (isCircuitOpenError(error) || isBulkheadFullError(error)) {
        if ((error as { circuit: string }).circuit === name) return false;
      }
      if (!(isCallTimeoutError(error) && error.circuit === name) && !this.circuit.counts(error)) {
        return false;
      }
      return this.retry!.retryOn?.(error) ?? true;
    } catch {
      return false; // a retryOn that throws retries nothing
    }
  }
}

/** `promise`, or the abort of `signal` if that comes first; nothing is left on `signal`. */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return promise;
  if (signal.aborted) {
    promise.catch(() => {});
    return Promise.reject(signal.reason as Error);
  }
  return new Promise<T>((resolve, reject) => {
    const unfollow = whenAborted(signal, reject);
    promise.then(
      (value) => {
        unfollow();
        resolve(value);
      },
      (error: unknown) => {
        unfollow();
        reject(error as Error);
      },
    );
  });
}
