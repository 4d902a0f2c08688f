import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { AppModule } from './app.module.js';
import { sampleConfig } from './config.js';
import { InventoryModule } from './inventory/inventory.module.js';
import { startWebhookPrinter } from './notifications/webhook-printer.js';

const config = sampleConfig(); // the same settings the app reads through ConfigService
const inventory = await NestFactory.create(
  InventoryModule.withChaos(config.inventoryFailureRate, config.inventoryLatencyMs),
  { logger: ['error', 'warn'] },
);
await inventory.listen(config.inventoryPort, '127.0.0.1');
const webhook = await startWebhookPrinter(config.webhookPort);
const app = await NestFactory.create(AppModule, { logger: ['error', 'warn', 'log'] });
app.enableShutdownHooks();
await app.listen(config.port, '127.0.0.1');

const orders = `http://127.0.0.1:${config.port}`;
const dependency = `http://127.0.0.1:${config.inventoryPort}`;
console.log(`
  orders app        ${orders}/orders/stock/sku-42
  dashboard         ${orders}/circuit-breakers/dashboard
  circuits (JSON)   ${orders}/circuits              admin API ${orders}/circuit-breakers
  readiness         ${orders}/health/ready      liveness ${orders}/health/live
  metrics           ${orders}/metrics
  notifications     POSTed to http://127.0.0.1:${webhook.port}/circuit-events, printed below as [webhook]
  inventory chaos   ${dependency}/chaos
    break it:  curl -X PUT ${dependency}/chaos -H 'content-type: application/json' -d '{"failureRate":1}'
    heal it:   curl -X PUT ${dependency}/chaos -H 'content-type: application/json' -d '{"failureRate":0}'
`);
const closeOthers = () => void Promise.all([inventory.close(), webhook.close()]);
process.once('SIGTERM', closeOthers);
process.once('SIGINT', closeOthers);
