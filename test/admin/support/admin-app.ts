import { Module, type Type } from '@nestjs/common';
import {
  CircuitBreakerModule,
  CircuitBreakerRegistry,
  type CircuitBreakerAdminOptions,
} from '../../../lib/index.js';
import { startApp, type Adapter, type RunningApp } from '../../core/support/start-app.js';

/** The circuits every admin test app starts with. */
export const CIRCUITS = { inventory: { failureThreshold: 2 }, payments: {} };

/** An app with nothing but the circuit-breaker module, its admin API configured by `admin`. */
export function adminAppModule(admin: CircuitBreakerAdminOptions | undefined): Type {
  @Module({ imports: [CircuitBreakerModule.forRoot({ circuits: CIRCUITS, admin })] })
  class AdminAppModule {}
  return AdminAppModule;
}

export interface AdminApp extends RunningApp {
  registry: CircuitBreakerRegistry;
  /** The admin API's base URL. */
  admin: string;
}

export async function startAdminApp(
  admin: CircuitBreakerAdminOptions | undefined,
  adapter: Adapter = 'express',
): Promise<AdminApp> {
  const running = await startApp(adminAppModule(admin), adapter);
  return {
    ...running,
    registry: running.get(CircuitBreakerRegistry),
    admin: `${running.url}/${admin?.path ?? 'circuit-breakers'}`,
  };
}

/** Opens `name` the way an application does: counted failures until the threshold. */
export async function trip(
  registry: CircuitBreakerRegistry,
  name: string,
  failures = 2,
): Promise<void> {
  const circuit = registry.get(name)!;
  for (let i = 0; i < failures; i++) {
    await circuit.execute(() => Promise.reject(new Error('down'))).catch(() => undefined);
  }
}

export function post(url: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(url, { method: 'POST', headers });
}
