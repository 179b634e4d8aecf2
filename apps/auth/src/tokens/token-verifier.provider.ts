import type { Provider } from '@nestjs/common';
import { TokenVerifier } from '@danmaku/platform';
import { AUTH_CONFIG, type AuthConfig } from '../config/auth.config';
import { SigningKeyService } from '../keys/signing-key.service';
import { SessionRepository } from '../sessions/session.repository';

/**
 * The platform's TokenVerifier (the one every app uses), fed from the key store this
 * process signs with instead of its own JWKS over HTTP: no loopback hop that depends on
 * the address the app is reachable at, and a rotated-in key is known the moment the
 * shared key set has it.
 */
export const tokenVerifierProvider: Provider = {
  provide: TokenVerifier,
  inject: [SigningKeyService, SessionRepository, AUTH_CONFIG],
  useFactory: (keys: SigningKeyService, sessions: SessionRepository, config: AuthConfig) =>
    new TokenVerifier({
      keys: keys.keyResolver(),
      issuer: config.TOKEN_ISSUER,
      audience: config.TOKEN_AUDIENCE,
      isRevoked: (sid) => sessions.isRevoked(sid),
    }),
};
