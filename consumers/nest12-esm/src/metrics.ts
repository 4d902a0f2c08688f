import { Controller, Get, Header } from '@nestjs/common';
import { Registry } from 'prom-client';

/** The app's own Prometheus registry: the circuit metrics go there (`metrics: { registry }`). */
export const metricsRegistry = new Registry();

@Controller('metrics')
export class MetricsController {
  @Get()
  @Header('Content-Type', metricsRegistry.contentType)
  scrape(): Promise<string> {
    return metricsRegistry.metrics();
  }
}
