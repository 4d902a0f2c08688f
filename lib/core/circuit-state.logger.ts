import {
  Inject,
  Injectable,
  Logger,
  type LoggerService,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import type { Circuit } from '../engine/circuit.js';
import { describeState, type CircuitStateChange } from '../engine/circuit-state.js';
import { clockNow } from '../engine/clock.js';
import { CircuitOptionsError } from '../engine/errors/circuit-options.error.js';
import { reportCallbackError } from '../engine/report-callback-error.js';
import { CIRCUIT_BREAKER_OPTIONS } from './circuit-breaker.constants.js';
import { CircuitBreakerRegistry } from './circuit-breaker.registry.js';
import { stateChangeLine } from './state-change-line.js';

/** The context of every line, as Nest prints it: `[CircuitBreaker]`. */
export const LOG_CONTEXT = 'CircuitBreaker';
/** A flapping circuit gets one line per this period at most. */
export const FLAP_LOG_PERIOD_MS = 60_000;

/** What a flapping circuit's lines have been: when the last went, and what was left out since. */
interface Damping {
  lastLineAt: number;
  skipped: number;
  timer: ReturnType<typeof setTimeout> | undefined;
}

/**
 * Logs every state change of every circuit through Nest's `Logger` (or the module's `logger`;
 * none with `logger: false`): an opening as a warning with the figures that tripped it, the rest
 * as information. A circuit that flaps (see `flapThreshold`) gets one line per minute at most,
 * which counts the changes it stands for and says the state the circuit is in.
 */
@Injectable()
export class CircuitStateLogger implements OnModuleInit, OnApplicationShutdown {
  private readonly logger: LoggerService | undefined;
  private readonly damping = new Map<string, Damping>();
  private detach: (() => void) | undefined;

  constructor(
    @Inject(CIRCUIT_BREAKER_OPTIONS) { logger }: { logger?: false | LoggerService },
    private readonly circuits: CircuitBreakerRegistry,
  ) {
    if (logger !== undefined && logger !== false && !isLoggerService(logger)) {
      throw new CircuitOptionsError(
        '',
        'logger',
        logger,
        'false, or a LoggerService (log, warn and error methods)',
        'CircuitBreakerModule',
      );
    }
    this.logger = logger === false ? undefined : (logger ?? new Logger());
  }

  onModuleInit(): void {
    if (this.logger === undefined) return;
    this.detach = this.circuits.attach((circuit) => {
      const unsubscribe = circuit.subscribe((change) => this.heard(circuit, change));
      return () => {
        unsubscribe();
        this.forget(circuit.name);
      };
    });
  }

  onApplicationShutdown(): void {
    this.detach?.();
    for (const name of [...this.damping.keys()]) this.forget(name);
  }

  private heard(circuit: Circuit, change: CircuitStateChange): void {
    const now = clockNow();
    const damping = this.damping.get(circuit.name);
    if (damping !== undefined && now - damping.lastLineAt < FLAP_LOG_PERIOD_MS) {
      damping.skipped++;
      damping.timer ??= unref(
        setTimeout(() => this.summarise(circuit), damping.lastLineAt + FLAP_LOG_PERIOD_MS - now),
      );
      return;
    }
    const { level, message } = stateChangeLine(circuit, change);
    const flapping = circuit.stats().flapping;
    this.write(
      level,
      flapping ? `${message}; it is flapping: one line a minute from now` : message,
    );
    if (flapping) this.damping.set(circuit.name, { lastLineAt: now, skipped: 0, timer: undefined });
    else this.forget(circuit.name);
  }

  /** The line for the changes a flapping circuit's period left out. */
  private summarise(circuit: Circuit): void {
    const damping = this.damping.get(circuit.name);
    if (damping === undefined) return;
    // Reading the circuit may move it on (open to half-open): that change is this line's too.
    damping.lastLineAt = clockNow();
    const stats = circuit.stats();
    this.write(
      'warn',
      `Circuit ${JSON.stringify(circuit.name)} is flapping: ${damping.skipped} state changes ` +
        `in the last ${FLAP_LOG_PERIOD_MS / 1_000} s not logged; now ${describeState(stats.state)}`,
    );
    clearTimeout(damping.timer);
    damping.timer = undefined;
    damping.skipped = 0;
    if (!stats.flapping) this.damping.delete(circuit.name);
  }

  private write(level: 'warn' | 'log', message: string): void {
    try {
      this.logger![level](message, LOG_CONTEXT);
    } catch (error) {
      reportCallbackError(error, 'The CircuitBreakerModule logger');
    }
  }

  private forget(name: string): void {
    clearTimeout(this.damping.get(name)?.timer);
    this.damping.delete(name);
  }
}

function isLoggerService(value: unknown): value is LoggerService {
  const logger = value as Partial<Record<'log' | 'warn' | 'error', unknown>> | null;
  return (
    typeof logger === 'object' &&
    logger !== null &&
    typeof logger.log === 'function' &&
    typeof logger.warn === 'function' &&
    typeof logger.error === 'function'
  );
}

function unref(timer: ReturnType<typeof setTimeout>): ReturnType<typeof setTimeout> {
  timer.unref?.();
  return timer;
}
