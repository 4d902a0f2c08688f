import { jest } from '@jest/globals';
import { Logger, type LoggerService } from '@nestjs/common';

/**
 * What Nest loggers warn and log while it is on, each message with the logger that said it (a
 * replica's store or sharing: see `Replica.loggers`).
 */
export class Logs {
  private readonly warn = jest.spyOn(Logger.prototype, 'warn');
  private readonly log = jest.spyOn(Logger.prototype, 'log');

  /** Warnings, of one logger when given. */
  warnings(of?: LoggerService): string[] {
    return messages(this.warn, of);
  }

  /** Plain log messages, of one logger when given. */
  infos(of?: LoggerService): string[] {
    return messages(this.log, of);
  }

  /** The outages a store reported: each "Redis unavailable" warning. */
  outages(of: LoggerService | undefined): string[] {
    return this.warnings(of).filter((message) => message.startsWith('Redis unavailable'));
  }

  /** The outages a store reported the end of: each "Redis is back". */
  recoveries(of: LoggerService | undefined): string[] {
    return this.infos(of).filter((message) => message.startsWith('Redis is back'));
  }

  /** Warnings about what a key or the channel held (not outages). */
  ignored(of: LoggerService | undefined): string[] {
    return this.warnings(of).filter((message) => message.startsWith('ignored'));
  }

  restore(): void {
    this.warn.mockRestore();
    this.log.mockRestore();
  }
}

function messages(
  spy: { mock: { calls: unknown[][]; contexts: unknown[] } },
  of: LoggerService | undefined,
): string[] {
  return spy.mock.calls
    .filter((_, i) => of === undefined || spy.mock.contexts[i] === of)
    .map(([message]) => String(message));
}
