import { Controller, Get, Header } from '@nestjs/common';
import { SigningKeyService } from './signing-key.service';
import type { PublishedJwk } from './signing-key.schema';

/** The public keys other apps verify access tokens with. */
@Controller('.well-known')
export class JwksController {
  constructor(private readonly keys: SigningKeyService) {}

  @Get('jwks.json')
  // Verifiers refetch on an unknown kid anyway, so a short shared cache is safe.
  @Header('Cache-Control', 'public, max-age=300')
  async jwks(): Promise<{ keys: PublishedJwk[] }> {
    return { keys: await this.keys.jwks() };
  }
}
