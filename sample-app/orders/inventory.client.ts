import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { CircuitBreaker, CircuitSignal } from 'nestjs-circuit-breaker';

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

  constructor(config: ConfigService) {
    this.baseUrl = `http://127.0.0.1:${config.getOrThrow<number>('sample.inventoryPort')}`;
  }

  // timeoutMs and the thresholds come from CircuitBreakerModule's `circuits.inventory`; a call
  // that times out aborts its request through the signal.
  @CircuitBreaker({ name: 'inventory', fallback: 'cachedStock' })
  async stock(sku: string, @CircuitSignal() signal?: AbortSignal): Promise<Stock> {
    const url = `${this.baseUrl}/stock/${encodeURIComponent(sku)}`;
    const response = await fetch(url, { signal });
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
