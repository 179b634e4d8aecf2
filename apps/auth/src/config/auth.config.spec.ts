import { ConfigError } from '@danmaku/platform';
import { loadAuthConfig, revocationTtlSec } from './auth.config';

describe('loadAuthConfig', () => {
  it('has safe local defaults', () => {
    const c = loadAuthConfig({});
    expect(c).toMatchObject({
      AUTH_PORT: 3001,
      ACCESS_TOKEN_TTL_SEC: 900,
      REFRESH_TOKEN_TTL_SEC: 30 * 24 * 3600,
      GUEST_TOKEN_TTL_SEC: 3600,
      LOGIN_MAX_FAILURES_PER_USERNAME: 10,
      LOGIN_MAX_FAILURES_PER_IP: 50,
      LOGIN_FAILURE_WINDOW_SEC: 900,
      REGISTER_MAX_PER_IP: 20,
      REGISTER_WINDOW_SEC: 3600,
      TRUST_PROXY: false,
      TOKEN_ISSUER: 'danmaku-auth',
      TOKEN_AUDIENCE: 'danmaku',
    });
    expect(c.ADMIN_USERNAME).toBeUndefined();
  });

  it('names every bad variable at once, without echoing values', () => {
    let error: unknown;
    try {
      loadAuthConfig({
        AUTH_PORT: 'x',
        ACCESS_TOKEN_TTL_SEC: '-5',
        REGISTER_MAX_PER_IP: '0',
        TRUST_PROXY: 'yes please!',
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const names = (error as ConfigError).problems.map((p) => p.split(':')[0]);
    expect(names).toEqual(
      expect.arrayContaining(['AUTH_PORT', 'ACCESS_TOKEN_TTL_SEC', 'REGISTER_MAX_PER_IP', 'TRUST_PROXY']),
    );
    expect((error as ConfigError).message).not.toContain('yes please');
  });

  it('wants the admin username and password together', () => {
    expect(() => loadAuthConfig({ ADMIN_USERNAME: 'root' })).toThrow(
      /ADMIN_PASSWORD: required when ADMIN_USERNAME/,
    );
    expect(() => loadAuthConfig({ ADMIN_PASSWORD: 'long enough' })).toThrow(/ADMIN_USERNAME: required/);
    expect(loadAuthConfig({ ADMIN_USERNAME: 'root', ADMIN_PASSWORD: 'long enough' })).toMatchObject({
      ADMIN_USERNAME: 'root',
      ADMIN_PASSWORD: 'long enough',
    });
    // Empty means unset (compose files often pass `ADMIN_USERNAME=`).
    expect(loadAuthConfig({ ADMIN_USERNAME: '', ADMIN_PASSWORD: '' }).ADMIN_USERNAME).toBeUndefined();
  });

  it('refuses to start in production without an admin password, naming it', () => {
    expect(() => loadAuthConfig({ NODE_ENV: 'production' })).toThrow(
      /ADMIN_PASSWORD: required when NODE_ENV=production: there is no default admin password/,
    );
    expect(() =>
      loadAuthConfig({ NODE_ENV: 'production', ADMIN_USERNAME: 'root', ADMIN_PASSWORD: '' }),
    ).toThrow(/ADMIN_PASSWORD: required when ADMIN_USERNAME/);
    expect(
      loadAuthConfig({ NODE_ENV: 'production', ADMIN_USERNAME: 'root', ADMIN_PASSWORD: 'long enough' }),
    ).toMatchObject({ ADMIN_USERNAME: 'root' });
    // Outside production an app without an admin still starts (tests, local runs).
    expect(loadAuthConfig({ NODE_ENV: 'development' }).ADMIN_PASSWORD).toBeUndefined();
  });

  it('applies the contract rules to the admin credentials', () => {
    expect(() => loadAuthConfig({ ADMIN_USERNAME: 'no spaces', ADMIN_PASSWORD: 'short' })).toThrow(
      /ADMIN_USERNAME[\s\S]*ADMIN_PASSWORD|ADMIN_PASSWORD[\s\S]*ADMIN_USERNAME/,
    );
  });

  it.each([
    ['false', false],
    ['true', true],
    ['2', 2],
    ['loopback, 10.0.0.0/8', ['loopback', '10.0.0.0/8']],
  ])('parses TRUST_PROXY=%s', (raw, expected) => {
    expect(loadAuthConfig({ TRUST_PROXY: raw }).TRUST_PROXY).toEqual(expected);
  });

  it('keeps revocation markers for the longest access-token lifetime plus slack', () => {
    expect(revocationTtlSec({ ACCESS_TOKEN_TTL_SEC: 900, GUEST_TOKEN_TTL_SEC: 3600 })).toBe(3660);
    expect(revocationTtlSec({ ACCESS_TOKEN_TTL_SEC: 7200, GUEST_TOKEN_TTL_SEC: 3600 })).toBe(7260);
  });
});
