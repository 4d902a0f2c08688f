import { ConfigurableModuleBuilder } from '@nestjs/common';
import type { CircuitBreakerAdminOptions } from '../admin/circuit-breaker-admin-options.interface.js';
import { withAdminApi } from '../admin/circuit-breaker-admin.definition.js';
import type { CircuitBreakerModuleOptions } from './circuit-breaker-options.interface.js';

export const {
  ConfigurableModuleClass: ConfigurableCircuitBreakerModule,
  MODULE_OPTIONS_TOKEN: CIRCUIT_BREAKER_MODULE_OPTIONS,
  OPTIONS_TYPE: CIRCUIT_BREAKER_OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE: CIRCUIT_BREAKER_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<CircuitBreakerModuleOptions>()
  .setClassMethodName('forRoot')
  // Global by default: circuits are app-wide, like the registry that holds them.
  // `admin` (the opt-in admin API, see lib/admin) is an extra too: known as soon as forRoot() or
  // forRootAsync() is called, since its controller cannot wait for an async options factory.
  .setExtras(
    { isGlobal: true, admin: undefined as CircuitBreakerAdminOptions | undefined },
    (definition, { isGlobal, admin }) => withAdminApi({ ...definition, global: isGlobal }, admin),
  )
  .build();
