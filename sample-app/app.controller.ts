import { Controller, Get } from '@nestjs/common';
import { Circuit } from '../lib/index.js';

/** A route whose flaky dependency sits behind a circuit: every third call fails. */
@Controller()
export class AppController {
  private readonly inventory = new Circuit('inventory', {
    failureThreshold: 3,
    resetTimeoutMs: 5_000,
  });
  private calls = 0;

  @Get('stock')
  async stock(): Promise<{ sku: string; available: number }> {
    return this.inventory.execute(async () => {
      if (++this.calls % 3 === 0) throw new Error('inventory unavailable');
      return { sku: 'sku-42', available: 7 };
    });
  }

  @Get('circuits')
  circuits() {
    return this.inventory.stats();
  }
}
