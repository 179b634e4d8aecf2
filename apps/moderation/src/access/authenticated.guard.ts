import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import type { Principal } from '@danmaku/contracts';
import { BearerAuthGuard, DomainException } from '@danmaku/platform';
import { RevocationRepository } from './revocation.repository';

/**
 * A valid access token (BearerAuthGuard: signature, issuer, audience, expiry) whose
 * session has not been revoked: 401 UNAUTHORIZED otherwise.
 */
@Injectable()
export class AuthenticatedGuard implements CanActivate {
  constructor(
    private readonly bearer: BearerAuthGuard,
    private readonly revocations: RevocationRepository,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    await this.bearer.canActivate(context);
    const principal = context.switchToHttp().getRequest<{ principal?: Principal }>().principal;
    if (!principal) throw new DomainException('UNAUTHORIZED', 'Not authenticated');
    if (await this.revocations.isRevoked(principal.sessionId))
      throw new DomainException('UNAUTHORIZED', 'Session revoked');
    return true;
  }
}
