import {
  BadRequestException,
  Body,
  Controller,
  Get,
  Inject,
  Param,
  Put,
  ServiceUnavailableException,
} from '@nestjs/common';
import { setTimeout as sleep } from 'node:timers/promises';
import { Chaos } from './chaos.js';

/**
 * The dependency: a stock service that fails and slows down on demand.
 * `PUT /chaos { "failureRate": 1 }` breaks it; `{ "failureRate": 0 }` heals it.
 */
@Controller()
export class InventoryController {
  constructor(@Inject(Chaos) private readonly chaos: Chaos) {}

  @Get('stock/:sku')
  async stock(@Param('sku') sku: string): Promise<{ sku: string; available: number }> {
    await sleep(this.chaos.latencyMs);
    if (this.chaos.shouldFail())
      throw new ServiceUnavailableException('inventory is failing (chaos)');
    return { sku, available: sku.length * 3 };
  }

  @Get('chaos')
  current(): Chaos {
    return this.chaos;
  }

  @Put('chaos')
  update(@Body() body: { failureRate?: unknown; latencyMs?: unknown }): Chaos {
    try {
      this.chaos.update(body ?? {});
    } catch (error) {
      throw new BadRequestException((error as Error).message);
    }
    return this.chaos;
  }
}
