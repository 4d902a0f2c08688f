/**
 * The answers a protected route may give instead of its own, as OpenAPI response objects in the
 * shape `@nestjs/swagger` records for `@ApiResponse()`: what `CircuitOpenFilter` sends.
 */

/** What `@ApiCircuitBreakerResponses()` documents. */
export interface ApiCircuitBreakerResponsesOptions {
  /**
   * Document the 504 of a call that outlives the circuit's `timeoutMs` too. Say so where the
   * route's circuit has a `timeoutMs` (in code or in the module's `circuits[name]`): the
   * decorator cannot see the options the module gives a circuit at start-up.
   */
  timeout?: boolean;
}

/** One response, as `@ApiResponse()` records it (without its status). */
export interface OpenApiResponse {
  description: string;
  headers?: Record<string, { description: string; schema: Record<string, unknown> }>;
  schema?: Record<string, unknown>;
}

const failureBody = (statusCode: 503 | 504, error: string, refusal: boolean) => ({
  type: 'object',
  required: ['statusCode', 'message', 'circuit', ...(refusal ? ['retryAfterMs'] : [])],
  properties: {
    statusCode: { type: 'integer', example: statusCode },
    error: { type: 'string', example: error },
    message: { type: 'string' },
    circuit: { type: 'string', description: 'The circuit that answered' },
    ...(refusal && {
      retryAfterMs: {
        type: 'integer',
        minimum: 1000,
        description: 'Milliseconds until the circuit lets a call through again (at least 1000)',
      },
    }),
  },
});

const SERVICE_UNAVAILABLE: OpenApiResponse = {
  description:
    'A circuit on the way is open, or its bulkhead is full: the call was refused without ' +
    'reaching the dependency. Retry after the time given.',
  headers: {
    'Retry-After': {
      description: 'Whole seconds until the circuit lets a call through again (at least 1)',
      schema: { type: 'integer', minimum: 1 },
    },
  },
  schema: failureBody(503, 'Service Unavailable', true),
};

const GATEWAY_TIMEOUT: OpenApiResponse = {
  description: 'A call through a circuit on the way outlived its timeoutMs.',
  schema: failureBody(504, 'Gateway Timeout', false),
};

/** The responses to document, by status. */
export function circuitBreakerResponses({
  timeout = false,
}: ApiCircuitBreakerResponsesOptions): Record<number, OpenApiResponse> {
  return timeout
    ? { 503: SERVICE_UNAVAILABLE, 504: GATEWAY_TIMEOUT }
    : { 503: SERVICE_UNAVAILABLE };
}
