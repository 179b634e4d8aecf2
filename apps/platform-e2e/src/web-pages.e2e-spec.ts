import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { Danmaku } from '@danmaku/contracts';
import { expectEventually, freePort, httpJson, sleep } from '@danmaku/testing';
import { adminToken, roomName, startStack, type Stack } from './stack';
import { launchChromium, openPage, signIn, startWeb, type WebServer } from './web-browser';

const PASSWORD = 'correct-horse-battery';

/**
 * The web app in a real Chromium against the real stack (two gateways): the live room page,
 * the moderator console and the replay page, all calling the APIs cross-origin (CORS).
 */
describe('web pages in a real browser (2 gateways)', () => {
  let stack: Stack;
  let web: WebServer;
  let browser: Browser;
  let admin: string;
  const contexts: BrowserContext[] = [];
  const consoleErrors: string[] = [];

  const register = async (label: string) => {
    const username = `${label}_${Math.random().toString(36).slice(2, 10)}`;
    const res = await httpJson('POST', `${stack.auth.url}/v1/auth/register`, {
      body: { username, password: PASSWORD },
    });
    expect(res.status).toBe(201);
    return { username, userId: res.body.userId as string };
  };
  const mod = (method: string, path: string, body?: unknown) =>
    httpJson(method, `${stack.moderation.url}${path}`, { token: admin, body });

  /** A page in its own browser context (own storage and network), signed in. */
  async function open(path: string, who?: { username: string; password?: string }): Promise<Page> {
    const { context, page } = await openPage(browser, `${web.url}${path}`, consoleErrors);
    contexts.push(context);
    if (who) await signIn(page, who.username, who.password ?? PASSWORD);
    return page;
  }

  async function viewer(roomId: string, gateway: 1 | 2, who: { username: string }): Promise<Page> {
    const page = await open(`/?room=${roomId}&gateway=${gateway}`, who);
    await page.locator('#conn[data-state="connected"]').waitFor();
    return page;
  }

  async function sendFromPage(
    page: Page,
    text: string,
    opts: { mode?: string; color?: string; size?: string } = {},
  ) {
    if (opts.mode) await page.getByLabel('Mode').selectOption(opts.mode);
    if (opts.size) await page.getByLabel('Size').selectOption(opts.size);
    if (opts.color) await page.getByLabel('Color').fill(opts.color);
    await page.getByLabel('Message').fill(text);
    await page.getByLabel('Message').press('Enter');
  }

  /** With WEB_SCREENSHOTS_DIR set (e.g. docs/screenshots), saves what the page shows now. */
  const snap = async (page: Page, name: string) => {
    const dir = process.env['WEB_SCREENSHOTS_DIR'];
    if (dir) await page.screenshot({ path: `${dir}/${name}.png` });
  };

  /** An attribute of every element matching `selector`, as numbers. */
  const attrs = async (page: Page, selector: string, name: string): Promise<number[]> => {
    const all = page.locator(selector);
    const out: number[] = [];
    for (let i = 0; i < (await all.count()); i++) out.push(Number(await all.nth(i).getAttribute(name)));
    return out;
  };

  /** The danmaku element on the video's danmaku layer showing `text`. */
  const onScreen = (page: Page, text: string) => page.locator('.art-danmuku > div', { hasText: text });

  const replayItems = async (roomId: string, sessionId: string): Promise<Danmaku[]> => {
    const res = await httpJson(
      'GET',
      `${stack.replay.url}/v1/rooms/${roomId}/sessions/${sessionId}/danmaku?limit=1000`,
    );
    return res.body.items;
  };

  beforeAll(async () => {
    const webPort = await freePort();
    const origin = `http://127.0.0.1:${webPort}`;
    const cors = { CORS_ALLOWED_ORIGINS: origin };
    stack = await startStack({ gateways: 2, env: { auth: cors, moderation: cors, replay: cors } });
    web = await startWeb(webPort, {
      WEB_GATEWAY_URLS: stack.gateways.map((g) => g.url).join(','),
      WEB_AUTH_URL: stack.auth.url,
      WEB_MODERATION_URL: stack.moderation.url,
      WEB_REPLAY_URL: stack.replay.url,
    });
    browser = await launchChromium();
    admin = await adminToken(stack);
  }, 120_000);

  beforeEach(() => {
    consoleErrors.length = 0;
  });

  afterEach(async () => {
    while (contexts.length) await contexts.pop()?.close();
  });

  afterAll(async () => {
    await browser?.close();
    await web?.stop();
    await stack?.stop();
  });

  it('the APIs answer the page origin with CORS, and no other origin', async () => {
    const res = await fetch(`${stack.moderation.url}/v1/rooms/x/settings`, {
      method: 'OPTIONS',
      headers: {
        origin: web.url,
        'access-control-request-method': 'PATCH',
        'access-control-request-headers': 'authorization,content-type',
      },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe(web.url);
    const other = await fetch(`${stack.replay.url}/v1/rooms/x/sessions`, {
      headers: { origin: 'http://evil.example' },
    });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('a message sent from one viewer’s send box flies over the other viewer’s video on the other gateway; deleted in the console, it vanishes there and from replay', async () => {
    const roomId = roomName();
    const [alice, bob] = await Promise.all([register('alice'), register('bob')]);
    const started = await mod('POST', `/v1/rooms/${roomId}/sessions`);
    expect(started.status).toBe(201);
    const a = await viewer(roomId, 1, alice);
    const b = await viewer(roomId, 2, bob);

    const keep = `keep-${Math.random().toString(36).slice(2, 8)}`;
    const gone = `gone-${Math.random().toString(36).slice(2, 8)}`;
    await sendFromPage(a, keep);
    await expectEventually(async () => expect(await a.locator('#send-status').textContent()).toBe('Sent.'));
    await sendFromPage(a, gone, { mode: 'top', color: '#ffcc00', size: 'large' });
    await expectEventually(async () => expect(await a.locator('#send-status').textContent()).toBe('Sent.'));

    // Rendered on the danmaku layer of viewer B (gateway 2), with its mode and color.
    const goneOnB = onScreen(b, gone);
    await goneOnB.waitFor({ state: 'visible', timeout: 15_000 });
    const id = await goneOnB.getAttribute('data-id');
    expect(id).toBeTruthy();
    expect(await goneOnB.getAttribute('data-mode')).toBe('1');
    expect(await goneOnB.getAttribute('style')).toContain('color: rgb(255, 204, 0)');
    await snap(b, 'live-room');
    await expectEventually(async () =>
      expect(await b.locator('#chat-log li').allTextContents()).toEqual([
        `${alice.username}:${keep}`,
        `${alice.username}:${gone}`,
      ]),
    );

    // The admin deletes it from the console's live feed.
    const m = await open(`/moderate.html?room=${roomId}&gateway=1`, {
      username: stack.admin.username,
      password: stack.admin.password,
    });
    const row = m.locator('#feed li', { hasText: gone });
    await row.waitFor({ timeout: 15_000 });
    await snap(m, 'moderator-console');
    await row.getByRole('button', { name: /^Delete/ }).click();
    await expectEventually(async () =>
      expect(await m.locator('#mod-status').textContent()).toBe('Delete danmaku: done.'),
    );

    await expectEventually(async () => {
      expect(await b.locator(`.art-danmuku [data-id="${id}"]`).count()).toBe(0);
      expect(await b.locator('#chat-log li').allTextContents()).toEqual([`${alice.username}:${keep}`]);
    });
    await expectEventually(async () =>
      expect(await m.locator('#audit tr[data-action]').count()).toBeGreaterThan(1),
    );

    // …and from the replay page: the session's timeline no longer has it.
    const sessionId = started.body.sessionId as string;
    expect((await mod('POST', `/v1/rooms/${roomId}/sessions/current/end`)).status).toBe(200);
    await expectEventually(async () =>
      expect((await replayItems(roomId, sessionId)).map((d) => d.text)).toEqual([keep]),
    );
    const kept = (await replayItems(roomId, sessionId)).find((d) => d.text === keep);
    const r = await open(`/replay.html?room=${roomId}&session=${sessionId}`);
    await r.locator('#windows', { hasText: '0–30 s' }).waitFor();
    // Jump to its moment rather than wait for playback to get there (slow on a busy machine).
    await r.getByLabel('Jump to second').fill(String(Math.floor((kept?.offsetMs ?? 0) / 1000)));
    await r.getByRole('button', { name: 'Go' }).click();
    await onScreen(r, keep).waitFor({ state: 'visible', timeout: 15_000 });
    expect(await onScreen(r, gone).count()).toBe(0);
    expect(consoleErrors).toEqual([]);
  }, 90_000);

  it('a blocked term typed in the send box shows the refusal and its reason; a guest is told they cannot send', async () => {
    const roomId = roomName();
    const carol = await register('carol');
    expect((await mod('POST', `/v1/rooms/${roomId}/blocked-terms`, { term: 'spoilerword' })).status).toBe(
      201,
    );
    const page = await viewer(roomId, 1, carol);
    await sendFromPage(page, 'the end: S P O I L E R W O R D');
    await expectEventually(
      async () =>
        expect(await page.locator('#send-status').textContent()).toMatch(/^Refused \(BLOCKED_TERM\): /),
      {
        timeoutMs: 15_000,
      },
    );

    const guest = await open(`/?room=${roomId}&gateway=2`);
    await guest.getByRole('button', { name: 'Watch as guest' }).click();
    await guest.locator('#conn[data-state="connected"]').waitFor();
    await sendFromPage(guest, 'hello');
    await expectEventually(async () =>
      expect(await guest.locator('#send-status').textContent()).toMatch(/^Not sent: FORBIDDEN: /),
    );
    expect(consoleErrors).toEqual([]);
  }, 60_000);

  it('the replay page, seeked to an offset, shows that moment’s danmaku and not others; its density bar has the API’s buckets', async () => {
    const roomId = roomName();
    const dave = await register('dave');
    const sessionId = (await mod('POST', `/v1/rooms/${roomId}/sessions`)).body.sessionId as string;
    const page = await viewer(roomId, 1, dave);
    await sendFromPage(page, 'first-moment');
    await expectEventually(async () =>
      expect(await page.locator('#send-status').textContent()).toBe('Sent.'),
    );
    await sleep(4000);
    await sendFromPage(page, 'second-moment');
    await expectEventually(async () =>
      expect(await page.locator('#send-status').textContent()).toBe('Sent.'),
    );
    await expectEventually(async () => expect(await replayItems(roomId, sessionId)).toHaveLength(2), {
      timeoutMs: 15_000,
    });
    await mod('POST', `/v1/rooms/${roomId}/sessions/current/end`);
    const items = await replayItems(roomId, sessionId);
    const second = items.find((d) => d.text === 'second-moment');
    expect(second?.offsetMs).toBeGreaterThan(3000);

    const r = await open(`/replay.html?room=${roomId}&session=${sessionId}`);
    await r.locator('#windows', { hasText: '0–30 s' }).waitFor();
    await r.getByLabel('Jump to second').fill(String(Math.floor((second?.offsetMs ?? 0) / 1000)));
    await r.getByRole('button', { name: 'Go' }).click();
    await onScreen(r, 'second-moment').waitFor({ state: 'visible', timeout: 10_000 });
    await snap(r, 'replay');
    expect(await onScreen(r, 'first-moment').count()).toBe(0);

    const density = r.locator('.density');
    const bucketMs = Number(await density.getAttribute('data-bucket-ms'));
    const fromPage = await attrs(r, '.density-bar', 'data-count');
    const api = await httpJson(
      'GET',
      `${stack.replay.url}/v1/rooms/${roomId}/sessions/${sessionId}/density?bucketMs=${bucketMs}`,
    );
    expect(fromPage).toEqual(api.body.buckets);
    expect(fromPage.reduce((x, y) => x + y, 0)).toBe(2);
    expect(consoleErrors).toEqual([]);
  }, 60_000);

  it('a viewer whose network is cut and restored misses nothing and sees nothing twice', async () => {
    const roomId = roomName();
    const [erin, frank] = await Promise.all([register('erin'), register('frank')]);
    const sender = await viewer(roomId, 1, erin);
    const watcher = await viewer(roomId, 2, frank);
    const send = async (text: string) => {
      await sendFromPage(sender, text);
      await expectEventually(async () =>
        expect(await sender.locator('#send-status').textContent()).toBe('Sent.'),
      );
    };
    await send('before');
    await watcher.locator('#chat-log li', { hasText: 'before' }).waitFor();

    await watcher.context().setOffline(true);
    await watcher.locator('#conn:not([data-state="connected"])').waitFor({ timeout: 15_000 });
    for (const t of ['during-1', 'during-2', 'during-3']) await send(t);
    await watcher.context().setOffline(false);
    await watcher.locator('#conn[data-state="connected"]').waitFor({ timeout: 20_000 });
    await send('after');

    await expectEventually(
      async () =>
        expect(await watcher.locator('#chat-log li').allTextContents()).toEqual(
          ['before', 'during-1', 'during-2', 'during-3', 'after'].map((t) => `${erin.username}:${t}`),
        ),
      { timeoutMs: 20_000 },
    );
    const seqs = await attrs(watcher, '#chat-log li', 'data-seq');
    expect(seqs).toEqual([1, 2, 3, 4, 5]);
    // Going offline is reported as a console error by Chromium (the socket's failed reconnects): expected here.
    consoleErrors.length = 0;
  }, 90_000);
  it('the moderator console takes each action through the API and shows the API’s errors', async () => {
    const roomId = roomName();
    const [gina, troll] = await Promise.all([register('gina'), register('troll')]);
    const m = await open(`/moderate.html?room=${roomId}`, {
      username: stack.admin.username,
      password: stack.admin.password,
    });
    const status = m.locator('#mod-status');
    await m.locator('#live-state', { hasText: 'No live session.' }).waitFor(); // loaded

    await m.getByLabel('Slow mode (s)').fill('7');
    await m.getByRole('button', { name: 'Save settings' }).click();
    await expectEventually(async () => expect(await status.textContent()).toBe('Save settings: done.'));
    expect((await mod('GET', `/v1/rooms/${roomId}`)).body.settings.slowModeSec).toBe(7);

    await m.locator('#room-term').fill('badword');
    await m.getByRole('button', { name: 'Block in room' }).click();
    await m.locator('#room-terms li', { hasText: 'badword' }).waitFor();
    await m.locator('#room-term').fill('BADWORD');
    await m.getByRole('button', { name: 'Block in room' }).click();
    await expectEventually(async () =>
      expect(await status.textContent()).toMatch(/^Block term failed: 409 CONFLICT: /),
    );

    await m.getByLabel('Action').selectOption('mute');
    await m.getByLabel('User id', { exact: true }).fill(troll.userId);
    await m.getByLabel('Duration (s, empty: permanent ban)').fill('600');
    await m.getByLabel('Reason').fill('spam');
    await m.getByRole('button', { name: 'Apply' }).click();
    await m.locator('#mutes li', { hasText: troll.userId }).waitFor();
    await m.getByRole('button', { name: 'Start session' }).click();
    await m.locator('#live-state', { hasText: 'Live since' }).waitFor();
    await m.getByRole('button', { name: 'End session' }).click();
    await m.locator('#live-state', { hasText: 'No live session.' }).waitFor();
    await expectEventually(async () =>
      expect(await m.locator('#audit tr[data-action]').count()).toBeGreaterThanOrEqual(5),
    );
    expect(consoleErrors.filter((e) => !e.includes('409'))).toEqual([]);

    // A user who moderates nothing sees the API's refusal, not a broken page.
    const g = await open(`/moderate.html?room=${roomId}`, { username: gina.username });
    await expectEventually(async () =>
      expect(await g.locator('#mod-status').textContent()).toMatch(/403 FORBIDDEN/),
    );
    consoleErrors.length = 0; // Chromium logs every 4xx answer as a console error
  }, 60_000);

  it('the SDK’s <script> build works in a plain page', async () => {
    const roomId = roomName();
    const { page } = await openPage(browser, `${web.url}/sdk/danmaku-client.iife.js`, consoleErrors).then(
      async (p) => {
        contexts.push(p.context);
        return p;
      },
    );
    const guest = await httpJson('POST', `${stack.auth.url}/v1/auth/guest`, { body: {} });
    await page.setContent(`<script src="${web.url}/sdk/danmaku-client.iife.js"></script>`);
    const states = await page.evaluate(
      async ({ url, token, roomId }) => {
        const sdk = (globalThis as unknown as { DanmakuSDK: typeof import('@danmaku/client') }).DanmakuSDK;
        const client = new sdk.DanmakuClient({ url, token });
        const seen: string[] = [];
        client.on('state', (s) => seen.push(s));
        await client.connect();
        const ack = await client.join(roomId);
        client.close();
        return [...seen, ack.roomId];
      },
      { url: stack.gateways[1].url, token: guest.body.accessToken as string, roomId },
    );
    expect(states).toEqual(['connecting', 'connected', 'disconnected', roomId]);
    expect(consoleErrors).toEqual([]);
  });

  it('at phone width the live room fits the screen and works by keyboard', async () => {
    const context = await browser.newContext({
      viewport: { width: 390, height: 844 },
      isMobile: true,
      hasTouch: true,
    });
    contexts.push(context);
    const page = await context.newPage();
    page.on('pageerror', (e) => consoleErrors.push(e.message));
    await page.goto(`${web.url}/?room=${roomName()}`);
    await page.getByRole('button', { name: 'Watch as guest' }).focus();
    await page.keyboard.press('Enter');
    await page.locator('#conn[data-state="connected"]').waitFor();
    const overflow = await page.evaluate(() => {
      const d = (
        globalThis as unknown as {
          document: { documentElement: { scrollWidth: number; clientWidth: number } };
        }
      ).document;
      return d.documentElement.scrollWidth - d.documentElement.clientWidth;
    });
    expect(overflow).toBeLessThanOrEqual(0);
    await page.getByLabel('Message').focus();
    await page.keyboard.type('hi');
    await page.keyboard.press('Tab');
    expect(
      await page.evaluate(
        () =>
          (globalThis as unknown as { document: { activeElement: { id: string } } }).document.activeElement
            .id,
      ),
    ).toBe('send-mode');
    await snap(page, 'live-room-phone');
    expect(consoleErrors).toEqual([]);
  });
});
