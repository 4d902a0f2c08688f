// The app the HTTP bench loads: a plain route, the same route with @CircuitBreaker(), and the
// same with CircuitBreakerInterceptor, run in a child process so that the load generator does
// not share its event loop.
import 'reflect-metadata';
import { Controller, Get, Module, UseInterceptors } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import {
  CircuitBreaker,
  CircuitBreakerInterceptor,
  CircuitBreakerModule,
} from 'nestjs-circuit-breaker';

const stock = { sku: 'sku-42', available: 7 };

@Controller()
class StockController {
  @Get('plain')
  plain() {
    return stock;
  }

  @Get('guarded')
  @CircuitBreaker('stock')
  guarded() {
    return stock;
  }

  @Get('intercepted')
  @UseInterceptors(CircuitBreakerInterceptor)
  intercepted() {
    return stock;
  }
}

@Module({ imports: [CircuitBreakerModule.forRoot()], controllers: [StockController] })
class BenchModule {}

const app = await NestFactory.create(BenchModule, { logger: false });
await app.listen(0, '127.0.0.1');
process.send!({ url: (await app.getUrl()).replace('[::1]', '127.0.0.1') });
process.on('disconnect', () => void app.close());
