import { UnauthorizedException, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { createHash, timingSafeEqual } from 'node:crypto';

/** Shorter tokens are refused at start-up: they could be guessed. */
const MIN_TOKEN_LENGTH = 16;

/**
 * A reference guard for the admin API: it lets through requests that carry
 * `Authorization: Bearer <token>` with the token it was given, and answers 401 to the others.
 * The dashboard then asks for the token once and sends it with every request, its live stream
 * included. The tokens are compared as SHA-256 digests, in constant time: how long a
 * comparison takes says nothing about the token, not even its length.
 *
 * @example
 * CircuitBreakerModule.forRoot({ admin: { guards: [new AdminTokenGuard(process.env.ADMIN_TOKEN!)] } })
 */
export class AdminTokenGuard implements CanActivate {
  private readonly expected: Buffer;

  constructor(token: string) {
    if (typeof token !== 'string' || token.trim().length < MIN_TOKEN_LENGTH) {
      throw new Error(
        `AdminTokenGuard: the token must be a string of at least ${MIN_TOKEN_LENGTH} characters ` +
          '(for instance from `openssl rand -hex 32`), got ' +
          (typeof token === 'string' ? `${token.trim().length} characters` : String(token)),
      );
    }
    this.expected = digest(token.trim());
  }

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<{ headers: Record<string, unknown> }>();
    const header = request.headers.authorization;
    const given = typeof header === 'string' ? /^Bearer +(\S+) *$/i.exec(header)?.[1] : undefined;
    if (given === undefined || !timingSafeEqual(digest(given), this.expected)) {
      throw new UnauthorizedException('The admin API needs Authorization: Bearer <admin token>');
    }
    return true;
  }
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}
