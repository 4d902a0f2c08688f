/**
 * The OpenTelemetry instrumentation scope of the default meter: the package's name and version,
 * as OpenTelemetry asks of an instrumentation library. Written out rather than read from
 * package.json, which neither build can import the same way; a test keeps the version equal.
 */
export const INSTRUMENTATION_SCOPE = { name: 'nestjs-circuit-breaker', version: '0.1.0' } as const;
