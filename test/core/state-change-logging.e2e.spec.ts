import { jest } from '@jest/globals';
import { Injectable, type LoggerService } from '@nestjs/common';
import { Test, type TestingModule } from '@nestjs/testing';
import {
  CircuitBreaker,
  CircuitBreakerModule,
  CircuitBreakerRegistry,
  CircuitOptionsError,
  type CircuitBreakerModuleOptions,
} from '../../lib/index.js';

// Issue 18, item 4: with the Quick start app nothing was logged when a circuit opened. Every
// state change is now a line through Nest's Logger (context 'CircuitBreaker'), an opening a
// warning with its figures; `logger: false` silences it, a LoggerService replaces it.

interface Line {
  level: string;
  message: string;
  context: unknown;
}

/** A LoggerService that keeps what it is given. */
class CapturingLogger implements LoggerService {
  readonly lines: Line[] = [];
  log = (message: string, context?: unknown) => this.add('log', message, context);
  warn = (message: string, context?: unknown) => this.add('warn', message, context);
  error = (message: string, context?: unknown) => this.add('error', message, context);
  private add(level: string, message: string, context: unknown): void {
    this.lines.push({ level, message, context });
  }
  ours(): Line[] {
    return this.lines.filter(({ context }) => context === 'CircuitBreaker');
  }
}

@Injectable()
class PaymentsClient {
  @CircuitBreaker({ name: 'payments', failureThreshold: 3, resetTimeoutMs: 30_000 })
  async charge(ok: boolean): Promise<string> {
    if (!ok) throw new Error('payments is down');
    return 'paid';
  }
}

async function moduleWith(
  options: CircuitBreakerModuleOptions,
  appLogger?: LoggerService,
): Promise<TestingModule> {
  const builder = Test.createTestingModule({
    imports: [CircuitBreakerModule.forRoot(options)],
    providers: [PaymentsClient],
  });
  if (appLogger !== undefined) builder.setLogger(appLogger);
  const moduleRef = await builder.compile();
  await moduleRef.init();
  return moduleRef;
}

async function tripPayments(moduleRef: TestingModule): Promise<void> {
  const client = moduleRef.get(PaymentsClient);
  for (let i = 0; i < 3; i++) await client.charge(false).catch(() => {});
}

describe('state changes in the log', () => {
  let moduleRef: TestingModule | undefined;
  afterEach(async () => {
    await moduleRef?.close();
    moduleRef = undefined;
    jest.useRealTimers();
  });

  it('logs through Nest’s Logger by default: an opening as a warning, with its figures', async () => {
    const appLogger = new CapturingLogger();
    moduleRef = await moduleWith({}, appLogger);
    await tripPayments(moduleRef);
    expect(appLogger.ours()).toEqual([
      {
        level: 'warn',
        context: 'CircuitBreaker',
        message:
          'Circuit "payments" opened (3 consecutive failures): calls are refused, retry after 30 s',
      },
    ]);
  });

  it('gives the failure rate and its threshold when the rate opened the circuit', async () => {
    const logger = new CapturingLogger();
    moduleRef = await moduleWith({
      logger,
      circuits: {
        payments: { failureThreshold: Infinity, failureRateThreshold: 0.5, minimumThroughput: 4 },
      },
    });
    const client = moduleRef.get(PaymentsClient);
    for (const ok of [true, false, true, false]) await client.charge(ok).catch(() => {});
    expect(logger.ours()).toHaveLength(1);
    expect(logger.ours()[0]).toMatchObject({ level: 'warn' });
    expect(logger.ours()[0]!.message).toBe(
      'Circuit "payments" opened (failure rate 50% of 4 calls, threshold 50%): calls are refused, retry after 30 s',
    );
  });

  it('logs half-open and closed as information', async () => {
    jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
    const logger = new CapturingLogger();
    moduleRef = await moduleWith({ logger });
    await tripPayments(moduleRef);
    jest.advanceTimersByTime(30_000);
    expect(await moduleRef.get(PaymentsClient).charge(true)).toBe('paid');
    expect(logger.ours().map(({ level, message }) => [level, message])).toEqual([
      ['warn', expect.stringMatching(/^Circuit "payments" opened/)],
      [
        'log',
        'Circuit "payments" is half-open (open period over): letting probes through (at most 1 at once)',
      ],
      ['log', 'Circuit "payments" closed (probes succeeded): calls go through again'],
    ]);
  });

  it('logs the manual states', async () => {
    const logger = new CapturingLogger();
    moduleRef = await moduleWith({ logger });
    const registry = moduleRef.get(CircuitBreakerRegistry);
    registry.forceOpen('payments');
    registry.release('payments');
    expect(logger.ours().map(({ level, message }) => [level, message])).toEqual([
      [
        'warn',
        'Circuit "payments" is forced open (forceOpen()): every call is refused until release() or reset()',
      ],
      ['log', 'Circuit "payments" closed (release()): calls go through again'],
    ]);
  });

  it('logs nothing with logger: false', async () => {
    const appLogger = new CapturingLogger();
    moduleRef = await moduleWith({ logger: false }, appLogger);
    await tripPayments(moduleRef);
    expect(moduleRef.get(CircuitBreakerRegistry).get('payments')!.state).toBe('open');
    expect(appLogger.ours()).toEqual([]);
  });

  it('sends the lines to the given LoggerService, not to Nest’s', async () => {
    const appLogger = new CapturingLogger();
    const logger = new CapturingLogger();
    moduleRef = await moduleWith({ logger }, appLogger);
    await tripPayments(moduleRef);
    expect(logger.ours()).toHaveLength(1);
    expect(appLogger.ours()).toEqual([]);
  });

  it('damps a flapping circuit to one line a minute, then says how many it left out', async () => {
    jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
    const logger = new CapturingLogger();
    moduleRef = await moduleWith({ logger, circuits: { payments: { flapThreshold: 1 } } });
    const registry = moduleRef.get(CircuitBreakerRegistry);
    await tripPayments(moduleRef); // opening 1
    registry.reset('payments');
    await tripPayments(moduleRef); // opening 2: flapping from here
    const before = logger.ours().length;
    expect(logger.ours().at(-1)!.message).toMatch(/it is flapping: one line a minute from now$/);
    for (let i = 0; i < 10; i++) {
      registry.reset('payments');
      await tripPayments(moduleRef);
    }
    expect(logger.ours()).toHaveLength(before);
    jest.advanceTimersByTime(60_000); // the open period is over too: read, it is half-open
    expect(logger.ours()).toHaveLength(before + 1);
    expect(logger.ours().at(-1)).toEqual({
      level: 'warn',
      context: 'CircuitBreaker',
      message:
        'Circuit "payments" is flapping: 21 state changes in the last 60 s not logged; now half-open',
    });
  });

  it('refuses a logger that is not a LoggerService at start-up', async () => {
    await expect(moduleWith({ logger: 'console' as never })).rejects.toThrow(CircuitOptionsError);
    await expect(moduleWith({ logger: 'console' as never })).rejects.toThrow(/"logger"/);
  });
});
