import { clientKey, loadTrustedProxies } from './client-address';

describe('clientKey', () => {
  it('keeps IPv4 and unwraps IPv4-mapped IPv6', () => {
    expect(clientKey('203.0.113.7')).toBe('203.0.113.7');
    expect(clientKey('::ffff:127.0.0.1')).toBe('127.0.0.1');
  });

  it('reduces IPv6 to its /64 so one subscriber cannot rotate addresses', () => {
    expect(clientKey('2001:db8:1:2:aaaa:bbbb:cccc:dddd')).toBe('2001:db8:1:2::/64');
    expect(clientKey('2001:db8:1:2::9')).toBe('2001:db8:1:2::/64');
    expect(clientKey('2001:0DB8:0001:0002::1')).toBe('2001:db8:1:2::/64');
    expect(clientKey('::1')).toBe('0:0:0:0::/64');
    expect(clientKey('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
  });

  it('passes anything else through unchanged', () => {
    expect(clientKey('unknown')).toBe('unknown');
  });
});

describe('loadTrustedProxies', () => {
  it('trusts no proxy by default', () => {
    expect(loadTrustedProxies({})).toBe(false);
  });

  it('reads TRUSTED_PROXIES, falling back to auth’s older TRUST_PROXY', () => {
    expect(loadTrustedProxies({ TRUSTED_PROXIES: 'loopback, 10.0.0.0/8' })).toEqual([
      'loopback',
      '10.0.0.0/8',
    ]);
    expect(loadTrustedProxies({ TRUST_PROXY: '2' })).toBe(2);
    expect(loadTrustedProxies({ TRUSTED_PROXIES: 'false', TRUST_PROXY: 'true' })).toBe(false);
  });

  it('names the variable when the value is not a proxy list', () => {
    expect(() => loadTrustedProxies({ TRUSTED_PROXIES: 'yes please!' })).toThrow(/TRUSTED_PROXIES: must be/);
  });
});
