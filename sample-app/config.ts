/** The sample app's settings, from the environment, with defaults that work on a laptop. */
export interface SampleConfig {
  port: number;
  inventoryPort: number;
  /** The inventory service's starting failure rate (0–1) and latency; both change at run time. */
  inventoryFailureRate: number;
  inventoryLatencyMs: number;
  failureThreshold: number;
  resetTimeoutMs: number;
  timeoutMs: number;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): SampleConfig {
  return {
    port: number(env, 'PORT', 3000),
    inventoryPort: number(env, 'INVENTORY_PORT', 3001),
    inventoryFailureRate: number(env, 'INVENTORY_FAILURE_RATE', 0),
    inventoryLatencyMs: number(env, 'INVENTORY_LATENCY_MS', 20),
    failureThreshold: number(env, 'CIRCUIT_FAILURE_THRESHOLD', 5),
    resetTimeoutMs: number(env, 'CIRCUIT_RESET_TIMEOUT_MS', 5_000),
    timeoutMs: number(env, 'CIRCUIT_TIMEOUT_MS', 1_000),
  };
}

function number(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value)) throw new Error(`${name} must be a number, got "${raw}"`);
  return value;
}

export const SAMPLE_CONFIG = Symbol('SAMPLE_CONFIG');
