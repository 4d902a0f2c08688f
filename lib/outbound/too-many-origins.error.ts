/**
 * Every one of `maxOrigins` origin circuits is open, forced, held or busy, so none can make room
 * for a new origin. Origins are the application's dependencies, a fixed set: a URL built from
 * request data would grow circuits and metric series without bound.
 */
export class TooManyOriginsError extends Error {
  constructor(
    /** The origin whose circuit was not built. */
    readonly origin: string,
    readonly maxOrigins: number,
  ) {
    super(
      `Cannot protect calls to ${origin.slice(0, 128)}: all maxOrigins (${maxOrigins}) origin circuits are in use. ` +
        'Origins must never come from request data; if yours are a fixed set, raise outbound.maxOrigins.',
    );
    this.name = 'TooManyOriginsError';
  }
}
