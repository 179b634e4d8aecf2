import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { sleep, workspaceRoot } from '@danmaku/testing';

/** Debian's chromium (`apt-get install chromium`); `.ci/run` installs it when missing. */
export const CHROMIUM = process.env['CHROMIUM_PATH'] || '/usr/bin/chromium';

/**
 * A real headless Chromium. Playwright gives every launch a fresh temporary profile
 * (`--user-data-dir` of its own, removed on close) and refuses one in `args`.
 */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM))
    throw new Error(
      `${CHROMIUM} is missing: apt-get install -y chromium (bash .ci/run does it), or set CHROMIUM_PATH`,
    );
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--autoplay-policy=no-user-gesture-required',
    ],
  });
}

export interface WebServer {
  url: string;
  stop(): Promise<void>;
  output(): string;
}

/** Runs the built web app (`dist/apps/web/main.mjs`, from `nx build web`) and waits for /readyz. */
export async function startWeb(port: number, env: Record<string, string>): Promise<WebServer> {
  const main = join(workspaceRoot(), 'dist', 'apps', 'web', 'main.mjs');
  if (!existsSync(main)) throw new Error(`${main} is missing: run \`npx nx build web\` first`);
  let out = '';
  const child: ChildProcess = spawn(process.execPath, [main], {
    env: { ...process.env, ...env, WEB_PORT: String(port), WEB_HOST: '127.0.0.1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (d) => (out += d.toString()));
  child.stderr?.on('data', (d) => (out += d.toString()));
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    child.kill('SIGTERM');
    await exited;
  };
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`web exited with ${child.exitCode}:\n${out}`);
    try {
      if ((await fetch(`${url}/readyz`)).status === 200) return { url, stop, output: () => out };
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`web not ready:\n${out}`);
    }
    await sleep(100);
  }
}

/** A browser context (its own cookies, storage and network) with a page that records console errors. */
export async function openPage(
  browser: Browser,
  url: string,
  errors: string[],
): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport: { width: 1000, height: 760 } });
  const page = await context.newPage();
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`${url}: ${m.text()}`);
  });
  page.on('pageerror', (e) => errors.push(`${url}: ${e.message}`));
  await page.goto(url);
  return { context, page };
}

/** Signs in through the page's sign-in box. */
export async function signIn(page: Page, username: string, password: string): Promise<void> {
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.locator('#whoami-name').waitFor();
}
