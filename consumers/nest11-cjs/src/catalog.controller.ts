import { Controller, Get, Param } from '@nestjs/common';
import { CatalogClient } from './catalog.client';

@Controller()
export class CatalogController {
  constructor(private readonly catalog: CatalogClient) {}

  @Get('stock/:sku')
  stock(@Param('sku') sku: string) {
    return this.catalog.stock(sku);
  }

  @Get('price/:sku')
  price(@Param('sku') sku: string) {
    return this.catalog.price(sku);
  }
}
