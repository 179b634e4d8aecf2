import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';
import type { Principal } from '@danmaku/contracts';
import { DomainException } from '@danmaku/platform';
import { AccessTokenVerifier } from './access-token.verifier';

type AuthedRequest = Request & { principal?: Principal };

/**
 * `Authorization: Bearer <access token>`, verified locally; puts the principal where the
 * platform's `@CurrentPrincipal()` reads it.
 */
@Injectable()
export class AccessTokenGuard implements CanActivate {
  constructor(private readonly verifier: AccessTokenVerifier) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<AuthedRequest>();
    const match = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
    if (!match) throw new DomainException('UNAUTHORIZED', 'Missing bearer token');
    req.principal = await this.verifier.verify(match[1]);
    return true;
  }
}

/** After AccessTokenGuard: only admins pass (403 before the body is even validated). */
@Injectable()
export class AdminGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const principal = context.switchToHttp().getRequest<AuthedRequest>().principal;
    if (!principal) throw new DomainException('UNAUTHORIZED', 'Not authenticated');
    if (principal.role !== 'admin') throw new DomainException('FORBIDDEN', 'Admins only');
    return true;
  }
}
