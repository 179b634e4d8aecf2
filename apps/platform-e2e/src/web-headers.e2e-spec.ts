import { freePort } from '@danmaku/testing';
import { startWeb, type WebServer } from './web-browser';

/**
 * Issue 14, item 9: the built web server's pages carry a CSP that names exactly the APIs
 * the pages are configured with. (That the pages still work under it, artplayer and its
 * danmaku worker included, is web-pages.e2e-spec: a CSP violation is a console error there.)
 */
describe('web server headers (built server)', () => {
  let web: WebServer;

  beforeAll(async () => {
    web = await startWeb(await freePort(), {
      WEB_GATEWAY_URLS: 'https://gw1.example,https://gw2.example',
      WEB_AUTH_URL: 'https://auth.example',
      WEB_MODERATION_URL: 'https://mod.example',
      WEB_REPLAY_URL: 'https://replay.example',
      WEB_VIDEO_URL: 'https://cdn.example/live.webm',
    });
  });

  afterAll(async () => {
    await web?.stop();
  });

  it('sends a CSP on every page that allows only its own scripts and the configured APIs', async () => {
    for (const path of ['/', '/replay', '/moderate']) {
      const res = await fetch(`${web.url}${path}`);
      expect(res.status).toBe(200);
      const csp = Object.fromEntries(
        (res.headers.get('content-security-policy') ?? '').split('; ').map((d) => {
          const [name, ...values] = d.split(' ');
          return [name, values];
        }),
      );
      expect(csp['script-src']).toEqual(["'self'"]);
      expect(csp['object-src']).toEqual(["'none'"]);
      expect(csp['frame-ancestors']).toEqual(["'none'"]);
      expect(csp['connect-src']).toEqual([
        "'self'",
        'https://auth.example',
        'https://mod.example',
        'https://replay.example',
        'https://gw1.example',
        'https://gw2.example',
        'wss://gw1.example',
        'wss://gw2.example',
      ]);
      expect(csp['media-src']).toEqual(["'self'", 'blob:', 'https://cdn.example']);
      expect(csp['worker-src']).toEqual(["'self'", 'blob:', 'data:']);
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('x-frame-options')).toBe('DENY');
      expect(res.headers.get('x-powered-by')).toBeNull();
    }
  });

  it('sends the safety headers on everything else too', async () => {
    const res = await fetch(`${web.url}/config.json`);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
  });
});
