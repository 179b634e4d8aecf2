import { Injectable } from '@nestjs/common';
import type { Counter, Gauge, Histogram } from 'prom-client';
import { MetricsService } from '@danmaku/platform';

export type LoginResult = 'ok' | 'failed' | 'limited';
export type RegistrationResult = 'ok' | 'taken' | 'limited';
export type RefreshResult = 'ok' | 'invalid' | 'reused';
export type GuestTokenResult = 'ok' | 'limited';
export type RevocationReason = 'logout' | 'refresh_reuse' | 'role_change' | 'account_missing';

/** The auth app's own Prometheus series (the platform adds process metrics and `app`/`instance`). */
@Injectable()
export class AuthMetrics {
  private readonly logins: Counter<'result'>;
  private readonly registrations: Counter<'result'>;
  private readonly refreshes: Counter<'result'>;
  private readonly revocations: Counter<'reason'>;
  private readonly guestTokens: Counter<'result'>;
  private readonly deferredEvents: Counter;
  private readonly keyRotations: Counter;
  private readonly keysHeld: Gauge;
  private readonly passwordHashing: Histogram<'op'>;

  constructor(metrics: MetricsService) {
    this.logins = metrics.counter('auth_logins_total', 'Login attempts by result', ['result']);
    this.registrations = metrics.counter('auth_registrations_total', 'Registration attempts by result', [
      'result',
    ]);
    this.refreshes = metrics.counter('auth_refreshes_total', 'Refresh-token rotations by result', ['result']);
    this.revocations = metrics.counter('auth_session_revocations_total', 'Auth sessions revoked, by reason', [
      'reason',
    ]);
    this.guestTokens = metrics.counter('auth_guest_tokens_total', 'Guest token requests by result', [
      'result',
    ]);
    this.keyRotations = metrics.counter(
      'auth_signing_key_rotations_total',
      'Signing key rotations done through this instance',
    );
    this.keysHeld = metrics.gauge(
      'auth_signing_keys',
      'Keys in the shared signing key set as this instance last read it (the current one plus those in their overlap)',
    );
    this.deferredEvents = metrics.counter(
      'auth_session_events_deferred_total',
      'session.revoked events parked in the Redis outbox because Kafka did not take them at once',
    );
    this.passwordHashing = metrics.histogram(
      'auth_password_hash_seconds',
      'argon2id time per operation',
      [0.01, 0.025, 0.05, 0.1, 0.2, 0.4, 0.8, 1.6],
      ['op'],
    );
  }

  login(result: LoginResult): void {
    this.logins.inc({ result });
  }

  registration(result: RegistrationResult): void {
    this.registrations.inc({ result });
  }

  refresh(result: RefreshResult): void {
    this.refreshes.inc({ result });
  }

  revoked(reason: RevocationReason): void {
    this.revocations.inc({ reason });
  }

  guestToken(result: GuestTokenResult): void {
    this.guestTokens.inc({ result });
  }

  signingKeyRotated(): void {
    this.keyRotations.inc();
  }

  signingKeysHeld(count: number): void {
    this.keysHeld.set(count);
  }

  eventsDeferred(count: number): void {
    this.deferredEvents.inc(count);
  }

  /** Starts a timer; call the result when the hash/verify finished. */
  timePassword(op: 'hash' | 'verify'): () => void {
    const end = this.passwordHashing.startTimer({ op });
    return () => {
      end();
    };
  }
}
