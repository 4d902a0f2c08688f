import { BadRequestException, Body, Controller, Get, Param, Post } from '@nestjs/common';
import { CircuitBreaker } from 'nestjs-circuit-breaker';
import { InventoryClient, type Stock } from './inventory.client.js';

@Controller('orders')
export class OrdersController {
  constructor(private readonly inventory: InventoryClient) {}

  /** Stock through the `inventory` circuit: a cached answer while the inventory is down. */
  @Get('stock/:sku')
  stock(@Param('sku') sku: string): Promise<Stock> {
    return this.inventory.stock(sku);
  }

  /**
   * Places an order. The route itself is the `orders` circuit: while it is open the client gets
   * 503 with Retry-After at once, and the inventory gets no reservation to choke on.
   */
  @Post()
  @CircuitBreaker({ name: 'orders', failureThreshold: 3 })
  async place(
    @Body() body: { sku?: string; quantity?: number },
  ): Promise<{ id: string; sku: string; quantity: number }> {
    const { sku, quantity = 1 } = body ?? {};
    if (typeof sku !== 'string' || sku === '') throw new BadRequestException('sku is required'); // a 4xx: not counted
    await this.inventory.reserve(sku, quantity);
    return { id: crypto.randomUUID(), sku, quantity };
  }
}
