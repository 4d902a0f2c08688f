import { HttpService } from '@nestjs/axios';
import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { isAxiosError } from 'axios';
import { isCallTimeoutError, isCircuitOpenError } from 'nestjs-circuit-breaker';
import { firstValueFrom } from 'rxjs';

export interface Stock {
  sku: string;
  available: number;
  /** `live` from the inventory service, `cache` from the fallback while it is down. */
  source: 'live' | 'cache';
}

/**
 * Talks to the inventory service with plain `HttpService` calls, no decorator: the module's
 * `outbound` option puts every request through the circuit of the inventory's origin
 * (`outbound:http://127.0.0.1:<port>`), with its options from app.module.ts.
 */
@Injectable()
export class InventoryClient {
  private readonly lastKnown = new Map<string, number>();
  private readonly baseUrl: string;

  constructor(
    private readonly http: HttpService,
    config: ConfigService,
  ) {
    this.baseUrl = `http://127.0.0.1:${config.getOrThrow<number>('sample.inventoryPort')}`;
  }

  /** The live stock; the last known one while the inventory fails or its circuit is open. */
  async stock(sku: string): Promise<Stock> {
    try {
      const { data } = await firstValueFrom(
        this.http.get<{ available: number }>(`${this.baseUrl}/stock/${encodeURIComponent(sku)}`),
      );
      this.lastKnown.set(sku, data.available);
      return { sku, available: data.available, source: 'live' };
    } catch (error) {
      // Refused by the open circuit, timed out through it (the request aborted), or failed.
      if (isCircuitOpenError(error) || isCallTimeoutError(error) || isAxiosError(error)) {
        return { sku, available: this.lastKnown.get(sku) ?? 0, source: 'cache' };
      }
      throw error;
    }
  }

  /** The raw call, for a route that guards it with a circuit of its own. */
  async reserve(sku: string, quantity: number): Promise<{ sku: string; reserved: number }> {
    await firstValueFrom(this.http.get(`${this.baseUrl}/stock/${encodeURIComponent(sku)}`));
    return { sku, reserved: quantity };
  }
}
