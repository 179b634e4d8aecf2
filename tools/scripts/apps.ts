// The apps that npm start, npm test and start:<app> build and run.
import { join } from 'node:path';

export interface AppPort {
  port: number;
  portEnv: string;
}

/** The four backend apps: default HTTP port and the variable that sets it. */
export const APPS = {
  gateway: { port: 3000, portEnv: 'GATEWAY_PORT' },
  auth: { port: 3001, portEnv: 'AUTH_PORT' },
  moderation: { port: 3002, portEnv: 'MODERATION_PORT' },
  replay: { port: 3003, portEnv: 'REPLAY_PORT' },
} satisfies Record<string, AppPort>;

/** The web app's server (pages for browsers). */
export const WEB: AppPort = { port: 3004, portEnv: 'WEB_PORT' };

/** The built entry point of an app, relative to the root (web's server is an ES module). */
export const mainFile = (app: string): string =>
  join('dist', 'apps', app, app === 'web' ? 'main.mjs' : 'main.js');
