import { jest } from '@jest/globals';
import { Logger } from '@nestjs/common';

const METHODS = ['log', 'error', 'warn', 'debug', 'verbose', 'fatal'] as const;

/**
 * Records everything given to Nest's `Logger` instances (whether printed or not: the apps
 * under test are built with `logger: false`), one string per call, until `restore()`.
 */
export function spyOnLogs(): { lines: string[]; restore: () => void } {
  const lines: string[] = [];
  const spies = METHODS.map((method) =>
    jest.spyOn(Logger.prototype, method).mockImplementation(function (...args: unknown[]) {
      lines.push(
        `${method}: ${args.map((arg) => (typeof arg === 'string' ? arg : JSON.stringify(arg))).join(' ')}`,
      );
    }),
  );
  return { lines, restore: () => spies.forEach((spy) => spy.mockRestore()) };
}
