import type { DynamicModule } from '@nestjs/common';
import type { CircuitBreakerAdminOptions } from './circuit-breaker-admin-options.interface.js';
import { CIRCUIT_BREAKER_ADMIN_OPTIONS } from './circuit-breaker-admin.constants.js';
import { createCircuitBreakerAdminController } from './circuit-breaker-admin.controller.js';
import { CircuitBreakerAdminEvents } from './circuit-breaker-admin.events.js';
import { createDashboardController } from './dashboard.controller.js';
import { resolveAdminOptions } from './resolve-admin-options.js';

/**
 * The module definition with the admin API mounted when `admin` is given. `admin` is a module
 * extra, not a module option, so it is known when `forRoot()` / `forRootAsync()` is called:
 * controllers cannot wait for an async options factory, and a missing guard fails at once.
 */
export function withAdminApi(
  definition: DynamicModule,
  admin: CircuitBreakerAdminOptions | undefined,
): DynamicModule {
  if (admin === undefined) return definition;
  const options = resolveAdminOptions(admin);
  return {
    ...definition,
    controllers: [
      ...(definition.controllers ?? []),
      createDashboardController(options), // first: `GET dashboard` before `GET :name`
      createCircuitBreakerAdminController(options),
    ],
    providers: [
      ...(definition.providers ?? []),
      { provide: CIRCUIT_BREAKER_ADMIN_OPTIONS, useValue: options },
      CircuitBreakerAdminEvents,
    ],
  };
}
