import 'reflect-metadata';
import {
  circuitBreakerResponses,
  type ApiCircuitBreakerResponsesOptions,
  type OpenApiResponse,
} from './circuit-breaker-responses.js';

/**
 * `@nestjs/swagger`'s metadata key for `@ApiResponse()` (its `DECORATORS.API_RESPONSE`), read
 * when `SwaggerModule.createDocument()` runs. Written here rather than through `ApiResponse()`
 * so that nothing loads `@nestjs/swagger` (an optional peer, ES modules only from version 12,
 * which a CommonJS app could not `require` at decoration time) and the types never name it.
 */
const SWAGGER_API_RESPONSE = 'swagger/apiResponse';

type Responses = Record<string, Partial<OpenApiResponse> & Record<string, unknown>>;

/**
 * Documents, in the OpenAPI document `@nestjs/swagger` builds, the answers of a route protected
 * by `@CircuitBreaker()` or `CircuitBreakerInterceptor`: 503 with `Retry-After` when a circuit
 * refuses, and with `{ timeout: true }` 504 when a call outlives its `timeoutMs`.
 *
 * - On a controller: every route of it, beside each route's own responses.
 * - On a route: that route. Like any `@ApiResponse()` on a method, it takes the place of the
 *   success response Swagger otherwise infers: document that one too (`@ApiOkResponse()`, or
 *   the Swagger CLI plugin).
 *
 * A response the route documents itself under the same status is merged with ours, in either
 * order, as Swagger merges two `@ApiResponse()` of one status: both descriptions, both sets of
 * headers, and the route's own body.
 *
 * @example
 * \@ApiCircuitBreakerResponses({ timeout: true })
 * \@UseInterceptors(CircuitBreakerInterceptor)
 * \@Controller('orders')
 * export class OrdersController { ... }
 */
export function ApiCircuitBreakerResponses(
  options: ApiCircuitBreakerResponsesOptions = {},
): ClassDecorator & MethodDecorator {
  const ours = circuitBreakerResponses(options);
  return (target: object, _key?: string | symbol, descriptor?: PropertyDescriptor) => {
    // Where Swagger reads it: the method for a route, the class for a controller.
    const holder = (descriptor?.value as object | undefined) ?? target;
    const theirs =
      (Reflect.getMetadata(SWAGGER_API_RESPONSE, holder) as Responses | undefined) ?? {};
    const merged: Responses = { ...theirs };
    for (const [status, response] of Object.entries(ours)) {
      const own = theirs[status];
      merged[status] = own === undefined ? { ...response } : mergedWith(response, own);
    }
    Reflect.defineMetadata(SWAGGER_API_RESPONSE, merged, holder);
  };
}

/** Ours merged with the route's own response of the same status (which Swagger would merge too). */
function mergedWith(ours: OpenApiResponse, own: Responses[string]): Responses[string] {
  return {
    ...ours,
    ...own,
    description: [ours.description, own.description].filter(Boolean).join('\n\n'),
    headers: { ...ours.headers, ...own.headers },
  };
}
