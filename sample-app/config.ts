import { registerAs, type ConfigType } from '@nestjs/config';

/**
 * The sample app's settings, from environment variables (each documented in the README), with
 * defaults that work on a laptop. Registered with @nestjs/config under `sample`.
 */
export const sampleConfig = registerAs('sample', () => ({
  port: number('PORT', 3000),
  inventoryPort: number('INVENTORY_PORT', 3001),
  /** Where main.ts starts the webhook that prints the circuits' state-change notifications. */
  webhookPort: number('WEBHOOK_PORT', 3002),
  /** The inventory service's starting failure rate (0–1) and latency; both change at run time. */
  inventoryFailureRate: number('INVENTORY_FAILURE_RATE', 0),
  inventoryLatencyMs: number('INVENTORY_LATENCY_MS', 20),
  circuits: {
    failureThreshold: number('CIRCUIT_FAILURE_THRESHOLD', 5),
    resetTimeoutMs: number('CIRCUIT_RESET_TIMEOUT_MS', 5_000),
    timeoutMs: number('CIRCUIT_TIMEOUT_MS', 1_000),
  },
  /** At most one notification per circuit in this time (the library's default is 30 s). */
  notifyMinIntervalMs: number('NOTIFY_MIN_INTERVAL_MS', 1_000),
}));

export type SampleConfig = ConfigType<typeof sampleConfig>;

function number(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value)) throw new Error(`${name} must be a number, got "${raw}"`);
  return value;
}
