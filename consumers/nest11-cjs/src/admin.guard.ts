import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';

/** Stands in for a real operator check (a JWT, a session, an API key from the config). */
export const ADMIN_TOKEN = 'operator-secret';

@Injectable()
export class AdminGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<{ headers: Record<string, unknown> }>();
    return request.headers['x-admin-token'] === ADMIN_TOKEN;
  }
}
