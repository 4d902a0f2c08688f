import { jest } from '@jest/globals';
import {
  Controller,
  Get,
  Injectable,
  Res,
  type INestApplication,
  type LoggerService,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import type { ServerResponse } from 'node:http';
import { CircuitBreaker, CircuitBreakerModule, CircuitBreakerRegistry } from '../../lib/index.js';
import { moduleOf, type Adapter } from './support/start-app.js';

// An open circuit met after the handler has begun its answer (a stream, a report written as it
// is read) is too late for a 503: the module's filter ends the response quietly, as Nest's own
// exception handling does, instead of failing with ERR_HTTP_HEADERS_SENT.

@Injectable()
class ReportSource {
  @CircuitBreaker('report-source')
  async nextPart(): Promise<string> {
    return 'part 2\n';
  }
}

@Controller()
class ReportController {
  constructor(private readonly source: ReportSource) {}

  /** Writes the first part at once (status and headers go out with it), then asks for more. */
  @Get('report')
  async report(@Res() reply: unknown): Promise<void> {
    const raw = rawResponse(reply);
    raw.writeHead(200, { 'content-type': 'text/plain' });
    raw.write('part 1\n');
    raw.end(await this.source.nextPart());
  }
}

/** Node's response under Express's response (itself one) or Fastify's reply (`reply.raw`). */
function rawResponse(reply: unknown): ServerResponse {
  return (reply as { raw?: ServerResponse }).raw ?? (reply as ServerResponse);
}

/** Every line Nest logs, and what reaches console.error (Express's final handler writes there). */
function recordLogs() {
  const lines: string[] = [];
  const record = (...parts: unknown[]) =>
    void lines.push(
      parts.map((part) => (part instanceof Error ? part.stack : String(part))).join(' '),
    );
  const logger: LoggerService = { log: record, error: record, warn: record, debug: record };
  const consoleError = jest.spyOn(console, 'error').mockImplementation(record);
  return { lines, logger, restore: () => consoleError.mockRestore() };
}

describe.each<Adapter>(['express', 'fastify'])(
  'an open circuit met after the headers were sent (%s)',
  (adapter) => {
    let app: INestApplication;
    let logs: ReturnType<typeof recordLogs>;
    beforeEach(async () => {
      logs = recordLogs();
      const module = moduleOf({
        imports: [CircuitBreakerModule.forRoot()],
        controllers: [ReportController],
        providers: [ReportSource],
      });
      const options = { logger: logs.logger, abortOnError: false } as const;
      app =
        adapter === 'fastify'
          ? await NestFactory.create(module, new FastifyAdapter(), options)
          : await NestFactory.create(module, options);
      await app.listen(0, '127.0.0.1');
    });
    afterEach(async () => {
      await app.close();
      logs.restore();
    });

    it('ends the response with what was sent, and logs no ERR_HTTP_HEADERS_SENT', async () => {
      const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
      expect(await (await fetch(`${url}/report`)).text()).toBe('part 1\npart 2\n');
      app.get(CircuitBreakerRegistry).forceOpen('report-source');
      const response = await fetch(`${url}/report`);
      expect(response.status).toBe(200); // sent before the circuit was met
      await expect(response.text()).resolves.toBe('part 1\n'); // ended, not cut off
      expect(
        logs.lines.filter((line) => /HEADERS_SENT|headers after they are sent/.test(line)),
      ).toEqual([]);
    });
  },
);
