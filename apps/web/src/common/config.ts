/** Where the APIs are: /config.json from the web server, overridden by the page's query. */
export interface WebConfig {
  gatewayUrl: string;
  gateways: string[];
  authUrl: string;
  moderationUrl: string;
  replayUrl: string;
  videoUrl: string;
}

interface ServedConfig {
  gateways: string[];
  authUrl: string;
  moderationUrl: string;
  replayUrl: string;
  videoUrl: string;
}

/**
 * Query parameters: `gateway` (a URL, or 1, 2… to pick one of the configured gateways; default:
 * one at random, to spread viewers), `video` (any video URL), `room`.
 */
export async function loadConfig(search = location.search): Promise<WebConfig> {
  const res = await fetch('config.json', { cache: 'no-store' });
  if (!res.ok) throw new Error(`config.json: HTTP ${res.status}`);
  const served = (await res.json()) as ServedConfig;
  const q = new URLSearchParams(search);
  const pick = q.get('gateway');
  let gatewayUrl = served.gateways[Math.floor(Math.random() * served.gateways.length)];
  if (pick && /^\d+$/.test(pick)) gatewayUrl = served.gateways[Number(pick) - 1] ?? gatewayUrl;
  else if (pick && /^https?:\/\//.test(pick)) gatewayUrl = pick;
  return { ...served, gatewayUrl, videoUrl: q.get('video') || served.videoUrl };
}

export function queryParam(name: string): string | null {
  return new URLSearchParams(location.search).get(name);
}
