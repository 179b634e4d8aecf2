import { createParamDecorator, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';
import type { Principal } from '@danmaku/contracts';
import { DomainException } from '../errors/domain.exception';
import { TokenVerifier } from './token-verifier';

type AuthedRequest = Request & { principal?: Principal };

/** Requires `Authorization: Bearer <access token>`; puts the principal on the request. */
@Injectable()
export class BearerAuthGuard implements CanActivate {
  constructor(private readonly verifier: TokenVerifier) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<AuthedRequest>();
    const header = req.headers.authorization ?? '';
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match) throw new DomainException('UNAUTHORIZED', 'Missing bearer token');
    req.principal = await this.verifier.verify(match[1]);
    return true;
  }
}

/** The verified caller, in a controller behind BearerAuthGuard. */
export const CurrentPrincipal = createParamDecorator((_data: unknown, ctx: ExecutionContext): Principal => {
  const principal = ctx.switchToHttp().getRequest<AuthedRequest>().principal;
  if (!principal) throw new DomainException('UNAUTHORIZED', 'Not authenticated');
  return principal;
});
