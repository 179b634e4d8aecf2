import { Controller, HttpCode, Inject, Post } from '@nestjs/common';
import type { Logger } from 'pino';
import type { Principal } from '@danmaku/contracts';
import { Access, APP_LOGGER, CurrentPrincipal } from '@danmaku/platform';
import { ApiTags } from '@nestjs/swagger';
import { ApiRoute } from '../openapi/api-route.decorator';
import type { KeyRotation } from './signing-key.schema';
import { SigningKeyService } from './signing-key.service';

/** Operator actions on the signing keys (admins only). */
@ApiTags('keys')
@Controller('v1/auth/keys')
@Access('admin')
export class SigningKeysController {
  constructor(
    private readonly keys: SigningKeyService,
    @Inject(APP_LOGGER) private readonly logger: Logger,
  ) {}

  @Post('rotate')
  @HttpCode(201)
  @ApiRoute({
    summary: 'Rotate the signing key',
    description:
      'A new Ed25519 key signs from now on; the previous one keeps verifying, and stays in the JWKS, until `previousKeyVerifiesUntil` (ms). No body is read.',
    access: 'admin',
    ok: { status: 201, description: 'The rotation', schema: 'KeyRotation' },
  })
  async rotate(@CurrentPrincipal() admin: Principal): Promise<KeyRotation> {
    const rotation = await this.keys.rotate();
    // Who rotated is worth keeping: a rotation nobody planned is a security event.
    this.logger.warn({ by: admin.userId, ...rotation }, 'signing key rotated');
    return rotation;
  }
}
