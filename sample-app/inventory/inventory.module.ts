import { Module, type DynamicModule } from '@nestjs/common';
import { Chaos } from './chaos.js';
import { InventoryController } from './inventory.controller.js';

/** The inventory service, a separate app on its own port: the orders app reaches it over HTTP. */
@Module({})
export class InventoryModule {
  static withChaos(failureRate: number, latencyMs: number): DynamicModule {
    return {
      module: InventoryModule,
      controllers: [InventoryController],
      providers: [{ provide: Chaos, useValue: new Chaos(failureRate, latencyMs) }],
    };
  }
}
