import { ConfigError } from '@danmaku/platform';
import { loadGatewayConfig } from './gateway.config';

describe('gateway config', () => {
  it('has safe defaults', () => {
    expect(loadGatewayConfig({})).toMatchObject({
      GATEWAY_MERGE_WINDOW_MS: 50,
      GATEWAY_MERGE_WINDOW_MAX_MS: 250,
      GATEWAY_MAX_ROOMS_PER_SOCKET: 20,
      GATEWAY_SEND_TIMEOUT_MS: 3000,
    });
  });

  it('refuses a merge window cap below the window, naming the variable', () => {
    const err = (() => {
      try {
        loadGatewayConfig({ GATEWAY_MERGE_WINDOW_MS: '100', GATEWAY_MERGE_WINDOW_MAX_MS: '50' });
      } catch (e) {
        return e;
      }
      return null;
    })();
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).problems).toEqual([
      expect.stringMatching(/^GATEWAY_MERGE_WINDOW_MAX_MS: must be at least/),
    ]);
  });
});
