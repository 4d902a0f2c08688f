import { ConfigurableModuleBuilder } from '@nestjs/common';
import type { CircuitBreakerModuleOptions } from './circuit-breaker-options.interface.js';

export const {
  ConfigurableModuleClass: ConfigurableCircuitBreakerModule,
  MODULE_OPTIONS_TOKEN: CIRCUIT_BREAKER_MODULE_OPTIONS,
  OPTIONS_TYPE: CIRCUIT_BREAKER_OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE: CIRCUIT_BREAKER_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<CircuitBreakerModuleOptions>()
  .setClassMethodName('forRoot')
  // Global by default: circuits are app-wide, like the registry that holds them.
  .setExtras({ isGlobal: true }, (definition, { isGlobal }) => ({
    ...definition,
    global: isGlobal,
  }))
  .build();
