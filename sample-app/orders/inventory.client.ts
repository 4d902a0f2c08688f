import { Inject, Injectable } from '@nestjs/common';
import { CircuitBreaker } from 'nestjs-circuit-breaker';
import { SAMPLE_CONFIG, type SampleConfig } from '../config.js';

export interface Stock {
  sku: string;
  available: number;
  /** `live` from the inventory service, `cache` from the fallback while it is down. */
  source: 'live' | 'cache';
}

/** Talks to the inventory service over HTTP, behind the `inventory` circuit. */
@Injectable()
export class InventoryClient {
  private readonly lastKnown = new Map<string, number>();
  private readonly baseUrl: string;

  constructor(@Inject(SAMPLE_CONFIG) config: SampleConfig) {
    this.baseUrl = `http://127.0.0.1:${config.inventoryPort}`;
  }

  // timeoutMs and the thresholds come from CircuitBreakerModule's `circuits.inventory`.
  @CircuitBreaker({ name: 'inventory', fallback: 'cachedStock' })
  async stock(sku: string): Promise<Stock> {
    const response = await fetch(`${this.baseUrl}/stock/${encodeURIComponent(sku)}`);
    if (!response.ok) throw new Error(`inventory answered ${response.status}`);
    const { available } = (await response.json()) as { available: number };
    this.lastKnown.set(sku, available);
    return { sku, available, source: 'live' };
  }

  /** While the circuit is open (or a call fails), answer from the last known stock. */
  cachedStock(_error: unknown, sku: string): Stock {
    return { sku, available: this.lastKnown.get(sku) ?? 0, source: 'cache' };
  }

  /** The raw call, for a route that guards it with a circuit of its own. */
  async reserve(sku: string, quantity: number): Promise<{ sku: string; reserved: number }> {
    const response = await fetch(`${this.baseUrl}/stock/${encodeURIComponent(sku)}`);
    if (!response.ok) throw new Error(`inventory answered ${response.status}`);
    return { sku, reserved: quantity };
  }
}
