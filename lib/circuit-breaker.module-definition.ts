import { ConfigurableModuleBuilder } from '@nestjs/common';
import type { CircuitBreakerAdminOptions } from './admin/circuit-breaker-admin-options.interface.js';
import { withAdminApi } from './admin/mount-admin-api.js';
import type { CircuitBreakerModuleOptions } from './circuit-breaker-module-options.interface.js';
import { CIRCUIT_BREAKER_OPTIONS } from './core/circuit-breaker.constants.js';

export const {
  ConfigurableModuleClass: ConfigurableCircuitBreakerModule,
  OPTIONS_TYPE: CIRCUIT_BREAKER_OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE: CIRCUIT_BREAKER_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<CircuitBreakerModuleOptions>({
  optionsInjectionToken: CIRCUIT_BREAKER_OPTIONS,
})
  .setClassMethodName('forRoot')
  // Global by default: circuits are app-wide, like the registry that holds them.
  // `admin` (the opt-in admin API, see lib/admin) is an extra too: known as soon as forRoot() or
  // forRootAsync() is called, since its controller cannot wait for an async options factory.
  .setExtras(
    { isGlobal: true, admin: undefined as CircuitBreakerAdminOptions | undefined },
    (definition, { isGlobal, admin }) => withAdminApi({ ...definition, global: isGlobal }, admin),
  )
  .build();
