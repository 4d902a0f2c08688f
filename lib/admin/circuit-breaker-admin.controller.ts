import {
  Controller,
  Get,
  HttpCode,
  Param,
  Post,
  Query,
  Res,
  Sse,
  UseGuards,
  type MessageEvent,
  type Type,
} from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { ServerResponse } from 'node:http';
import { tap, type Observable } from 'rxjs';
import type { CircuitStats } from '../engine/circuit-stats.js';
import type { CircuitTransition } from '../engine/transition-history.js';
import { CircuitBreakerRegistry } from '../core/circuit-breaker.registry.js';
import { UnknownCircuitError } from '../core/unknown-circuit.error.js';
import { CircuitBreakerAdminEvents } from './circuit-breaker-admin.events.js';
import { parsePage, statsOf } from './circuit-list.js';
import { CircuitNamePipe } from './circuit-name.pipe.js';
import { closeConnectionAfter } from './close-connection-after.js';
import type { ResolvedAdminOptions } from './resolve-admin-options.js';
import { SkipCircuitBreaker } from '../core/skip-circuit-breaker.decorator.js';

type Command = 'reset' | 'forceOpen' | 'disable' | 'release';

/**
 * The admin controller for one `forRoot()`: its path and guards are options, and a controller's
 * are decorators, so the class is built here. The static routes come before `:name`, so
 * `events` is never read as a circuit's name. The dashboard page has its own controller.
 */
export function createCircuitBreakerAdminController({ path, guards }: ResolvedAdminOptions): Type {
  @Controller(path)
  @UseGuards(...guards)
  @SkipCircuitBreaker() // operators' routes: never behind a circuit of the interceptor
  class CircuitBreakerAdminController {
    constructor(
      private readonly registry: CircuitBreakerRegistry,
      private readonly events: CircuitBreakerAdminEvents,
      private readonly adapterHost: HttpAdapterHost,
    ) {}

    /**
     * The circuits' stats, a page at a time (`?offset=0&limit=1000`, at most 1,000); the
     * `X-Total-Count` header says how many circuits there are.
     */
    @Get()
    all(
      @Query('offset') offset: unknown,
      @Query('limit') limit: unknown,
      @Res({ passthrough: true }) response: unknown,
    ): CircuitStats[] {
      const page = parsePage(offset, limit);
      const circuits = this.registry.all();
      this.adapterHost.httpAdapter.setHeader(response, 'X-Total-Count', String(circuits.length));
      return statsOf(circuits, page);
    }

    /**
     * Server-Sent Events: `circuits` on connecting, then `circuit` (one circuit's stats) as it
     * changes, and `removed`. Ends when the app closes.
     */
    @Sse('events')
    stream(@Res() response: ServerResponse | { raw: ServerResponse }): Observable<MessageEvent> {
      const raw = 'raw' in response ? response.raw : response; // Fastify's reply, or Express's
      return this.events.stream(raw).pipe(tap({ complete: () => closeConnectionAfter(raw) }));
    }

    @Get(':name')
    one(@Param('name', CircuitNamePipe) name: string): CircuitStats {
      const circuit = this.registry.get(name);
      if (circuit === undefined) throw new UnknownCircuitError(name);
      return circuit.stats();
    }

    /** The circuit's last state changes, oldest first, with the figures that explain each. */
    @Get(':name/history')
    history(@Param('name', CircuitNamePipe) name: string): CircuitTransition[] {
      return this.registry.history(name); // UnknownCircuitError (404) for an unknown name
    }

    /** Closed, with fresh counters. Each command answers the circuit's stats after it. */
    @Post(':name/reset')
    @HttpCode(200)
    reset(@Param('name', CircuitNamePipe) name: string): CircuitStats {
      return this.command(name, 'reset');
    }

    /** Rejects every call until released or reset. */
    @Post(':name/force-open')
    @HttpCode(200)
    forceOpen(@Param('name', CircuitNamePipe) name: string): CircuitStats {
      return this.command(name, 'forceOpen');
    }

    /** Lets every call through, still counting them, until released or reset. */
    @Post(':name/disable')
    @HttpCode(200)
    disable(@Param('name', CircuitNamePipe) name: string): CircuitStats {
      return this.command(name, 'disable');
    }

    /** Ends a forced state: closed. */
    @Post(':name/release')
    @HttpCode(200)
    release(@Param('name', CircuitNamePipe) name: string): CircuitStats {
      return this.command(name, 'release');
    }

    private command(name: string, command: Command): CircuitStats {
      this.registry[command](name); // UnknownCircuitError (404) for an unknown name
      return this.registry.get(name)!.stats();
    }
  }
  return CircuitBreakerAdminController;
}
