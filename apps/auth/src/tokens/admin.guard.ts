import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';
import type { Principal } from '@danmaku/contracts';
import { DomainException } from '@danmaku/platform';

/** After BearerAuthGuard: only admins pass (403 before the body is even validated). */
@Injectable()
export class AdminGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const principal = context.switchToHttp().getRequest<Request & { principal?: Principal }>().principal;
    if (!principal) throw new DomainException('UNAUTHORIZED', 'Not authenticated');
    if (principal.role !== 'admin') throw new DomainException('FORBIDDEN', 'Admins only');
    return true;
  }
}
