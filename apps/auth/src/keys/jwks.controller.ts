import { Controller, Get, Header } from '@nestjs/common';
import { Access } from '@danmaku/platform';
import { ApiTags } from '@nestjs/swagger';
import { ApiRoute } from '../openapi/api-route.decorator';
import { SigningKeyService } from './signing-key.service';
import type { PublishedJwk } from './signing-key.schema';

/** The public keys other apps verify access tokens with. */
@ApiTags('keys')
@Controller('.well-known')
export class JwksController {
  constructor(private readonly keys: SigningKeyService) {}

  @Get('jwks.json')
  @Access('public')
  @ApiRoute({
    summary: 'The public keys that verify access tokens (JWKS)',
    description:
      'The signing key plus keys retired by a rotation during their overlap; `kid` is the RFC 7638 thumbprint. Cache it and refetch on an unknown `kid`.',
    access: 'public',
    ok: {
      status: 200,
      description: 'The key set',
      schema: 'Jwks',
      headers: { 'Cache-Control': { description: '`public, max-age=300`', schema: { type: 'string' } } },
    },
    errors: [{ status: 503, description: 'UNAVAILABLE: the keys were never loaded yet' }],
  })
  // Verifiers refetch on an unknown kid anyway, so a short shared cache is safe.
  @Header('Cache-Control', 'public, max-age=300')
  async jwks(): Promise<{ keys: PublishedJwk[] }> {
    return { keys: await this.keys.jwks() };
  }
}
