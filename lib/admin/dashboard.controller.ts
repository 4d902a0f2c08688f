import { Controller, Get, Header, Req, type Type } from '@nestjs/common';
import { DASHBOARD_HEADERS, renderDashboard } from './dashboard.page.js';
import type { ResolvedAdminOptions } from './resolve-admin-options.js';
import { SkipCircuitBreaker } from '../core/skip-circuit-breaker.decorator.js';

/**
 * The dashboard page, without the admin guards: it is the same static page for everyone and
 * holds no data. A browser can open it behind any guard, and the page then authenticates the
 * requests that read and steer circuits, all guarded: with the browser's own credentials (a
 * session cookie), or with the bearer token it asks for when the API answers 401 or 403.
 * Mounted before the admin controller, so that `dashboard` is never read as a circuit's name.
 */
export function createDashboardController({ path, statsIntervalMs }: ResolvedAdminOptions): Type {
  @Controller(path)
  @SkipCircuitBreaker()
  class CircuitBreakerDashboardController {
    @Get('dashboard')
    @Header('Content-Type', 'text/html; charset=utf-8')
    @Header('Cache-Control', 'no-store')
    @Header('Content-Security-Policy', DASHBOARD_HEADERS.contentSecurityPolicy)
    @Header('X-Content-Type-Options', 'nosniff')
    @Header('X-Frame-Options', 'DENY')
    @Header('Referrer-Policy', 'no-referrer')
    dashboard(@Req() request: { originalUrl?: string; url?: string }): string {
      // From the request, so a global prefix is part of it.
      const url = (request.originalUrl ?? request.url ?? '').split('?')[0]!;
      const base = /\/dashboard\/?$/i.test(url)
        ? url.replace(/\/dashboard\/?$/i, '')
        : `/${path.replace(/^\/+|\/+$/g, '')}`;
      return renderDashboard(base, statsIntervalMs); // the figures move that often
    }
  }
  return CircuitBreakerDashboardController;
}
