import { Controller, Get, Injectable, Module, Post, UseInterceptors } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import {
  ApiOkResponse,
  ApiProperty,
  ApiServiceUnavailableResponse,
  DocumentBuilder,
  SwaggerModule,
  type OpenAPIObject,
} from '@nestjs/swagger';
import {
  ApiCircuitBreakerResponses,
  CircuitBreaker,
  CircuitBreakerInterceptor,
  CircuitBreakerModule,
} from '../../lib/index.js';

// The OpenAPI document @nestjs/swagger builds for routes protected by @CircuitBreaker() or the
// interceptor, marked @ApiCircuitBreakerResponses(): their 503 (with Retry-After) and 504.

@Injectable()
class Inventory {
  @CircuitBreaker({ name: 'inventory', timeoutMs: 2_000 })
  async level(): Promise<number> {
    return 7;
  }
}

class Maintenance {
  @ApiProperty()
  until!: string;
}

@Controller('stock')
class StockController {
  constructor(private readonly inventory: Inventory) {}

  @Get('level')
  @ApiOkResponse({ description: 'The stock level' })
  @ApiCircuitBreakerResponses()
  level(): Promise<number> {
    return this.inventory.level();
  }

  @Get('decorated')
  @ApiOkResponse({ description: 'Protected on the route itself' })
  @ApiCircuitBreakerResponses({ timeout: true })
  @CircuitBreaker({ name: 'stock-route', timeoutMs: 2_000 })
  decorated(): string {
    return 'ok';
  }

  @Get('decorated-first')
  @ApiOkResponse({ description: 'The decorator below the circuit breaker' })
  @CircuitBreaker({ name: 'stock-route-2', timeoutMs: 2_000 })
  @ApiCircuitBreakerResponses({ timeout: true })
  decoratedFirst(): string {
    return 'ok';
  }

  @Get('own-503-above')
  @ApiServiceUnavailableResponse({ description: 'Our own words for it', type: Maintenance })
  @ApiCircuitBreakerResponses()
  ownAbove(): string {
    return 'ok';
  }

  @Get('own-503-below')
  @ApiCircuitBreakerResponses()
  @ApiServiceUnavailableResponse({ description: 'Our own words for it', type: Maintenance })
  ownBelow(): string {
    return 'ok';
  }

  @Get('plain')
  plain(): string {
    return 'not protected';
  }
}

@ApiCircuitBreakerResponses({ timeout: true })
@UseInterceptors(CircuitBreakerInterceptor)
@Controller('orders')
class OrdersController {
  @Get()
  list(): string[] {
    return [];
  }

  @Post()
  create(): string {
    return 'created';
  }
}

@Module({
  imports: [CircuitBreakerModule.forRoot()],
  controllers: [StockController, OrdersController],
  providers: [Inventory],
})
class AppModule {}

let document: OpenAPIObject;
beforeAll(async () => {
  const app = await NestFactory.create(AppModule, { logger: false });
  document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder().setTitle('shop').setVersion('1').build(),
  );
  await app.close();
});

const responsesOf = (path: string, method: 'get' | 'post' = 'get') =>
  document.paths[path]![method]!.responses as Record<
    string,
    {
      description: string;
      headers?: Record<string, { schema: { type: string } }>;
      content?: Record<string, { schema: { properties: Record<string, unknown> } }>;
    }
  >;

describe('@ApiCircuitBreakerResponses() in the OpenAPI document', () => {
  it('documents a protected route’s 503 with its Retry-After header and body, beside its 200', () => {
    const responses = responsesOf('/stock/level');
    expect(Object.keys(responses).sort()).toEqual(['200', '503']);
    expect(responses['200']!.description).toBe('The stock level');
    const refused = responses['503']!;
    expect(refused.description).toMatch(/refused/);
    expect(refused.headers!['Retry-After']!.schema).toEqual({ type: 'integer', minimum: 1 });
    const body = refused.content!['application/json']!.schema.properties;
    expect(body['retryAfterMs']).toMatchObject({ type: 'integer', minimum: 1000 });
    expect(Object.keys(refused.content!['application/json']!.schema.properties).sort()).toEqual([
      'circuit',
      'error',
      'message',
      'retryAfterMs',
      'statusCode',
    ]);
  });

  it('documents the 504 of a timed route with { timeout: true }, whichever decorator comes first', () => {
    for (const path of ['/stock/decorated', '/stock/decorated-first']) {
      const responses = responsesOf(path);
      expect(Object.keys(responses).sort()).toEqual(['200', '503', '504']);
      expect(responses['504']!.description).toMatch(/timeoutMs/);
      expect(responses['504']!.content!['application/json']!.schema.properties).toHaveProperty(
        'circuit',
      );
      expect(responses['503']!.headers).toHaveProperty('Retry-After');
    }
  });

  it('merges with a 503 the route documents itself, in either order: its body, both texts, Retry-After', () => {
    for (const path of ['/stock/own-503-above', '/stock/own-503-below']) {
      const refused = responsesOf(path)['503']!;
      expect(refused.description).toMatch(
        /^A circuit on the way is open.*\n\nOur own words for it$/s,
      );
      expect(refused.headers).toHaveProperty('Retry-After');
      expect(refused.content!['application/json']!.schema).toEqual({
        $ref: '#/components/schemas/Maintenance',
      });
    }
  });

  it('on a controller, documents every route, each keeping the success response Swagger infers', () => {
    const list = responsesOf('/orders');
    const create = responsesOf('/orders', 'post');
    expect(Object.keys(list).sort()).toEqual(['200', '503', '504']);
    expect(Object.keys(create).sort()).toEqual(['201', '503', '504']);
    expect(create['503']!.headers).toHaveProperty('Retry-After');
  });

  it('documents nothing on a route it does not mark', () => {
    expect(Object.keys(responsesOf('/stock/plain'))).toEqual(['200']);
  });
});
