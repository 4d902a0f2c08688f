import { Injectable } from '@nestjs/common';
import { CircuitBreaker } from 'nestjs-circuit-breaker';
import { Upstream } from './upstream.js';

/** The app's client of its two dependencies, each behind a circuit of its own. */
@Injectable()
export class CatalogClient {
  constructor(private readonly upstream: Upstream) {}

  @CircuitBreaker({ name: 'inventory', failureThreshold: 2, resetTimeoutMs: 60_000 })
  async stock(sku: string): Promise<{ sku: string; inStock: number }> {
    return this.upstream.call('inventory', { sku, inStock: 7 });
  }

  // Probes again soon after it opens: the readiness check sees it half-open.
  @CircuitBreaker({ name: 'prices', failureThreshold: 1, resetTimeoutMs: 200 })
  async price(sku: string): Promise<{ sku: string; cents: number }> {
    return this.upstream.call('prices', { sku, cents: 1_999 });
  }
}
