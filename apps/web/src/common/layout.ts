import './styles.css';
import { Auth, mountAuthBox } from './auth';
import { loadConfig, type WebConfig } from './config';
import { $ } from './dom';

export interface Page {
  config: WebConfig;
  auth: Auth;
}

/** Loads the runtime config and mounts the sign-in box present on every page. */
export async function bootPage(opts: { allowGuest: boolean }): Promise<Page> {
  const config = await loadConfig();
  const auth = new Auth(config.authUrl);
  mountAuthBox($('#auth'), auth, opts);
  // Keep the room in every nav link, so switching pages stays in the same room.
  const room = new URLSearchParams(location.search).get('room');
  if (room)
    for (const a of document.querySelectorAll<HTMLAnchorElement>('header.site nav a')) {
      const u = new URL(a.href);
      u.searchParams.set('room', room);
      a.href = u.toString();
    }
  return { config, auth };
}
