import { DanmakuClient } from '@danmaku/client';
import type { Danmaku, RoomSettings } from '@danmaku/contracts';
import { api, describeError } from '../common/api';
import { $, fmtTime, h, say } from '../common/dom';
import { bootPage } from '../common/layout';

interface RoomView {
  roomId: string;
  settings: RoomSettings;
  moderators: string[];
  live: { sessionId: string; startedAt: number } | null;
}
interface Term {
  termId: string;
  term: string;
}
interface Sanction {
  userId: string;
  until?: number | null;
  reason?: string | null;
}
interface AuditEntry {
  id: string;
  at: number;
  actorId: string;
  action: string;
  target: unknown;
  reason: string | null;
}

async function main(): Promise<void> {
  const { config, auth } = await bootPage({ allowGuest: false });
  const status = $('#mod-status');
  const roomInput = $<HTMLInputElement>('#room-id');
  const consoleEl = $('#console');
  const conn = $('#conn');
  roomInput.value = new URLSearchParams(location.search).get('room') || roomInput.value;
  let roomId = '';
  let feed: DanmakuClient | null = null;
  let auditCursor: string | null = null;

  const mod = <T = unknown>(method: string, path: string, body?: unknown) =>
    api<T>(config.moderationUrl, method, path, { token: auth.current?.accessToken, body });
  const room = () => `/v1/rooms/${encodeURIComponent(roomId)}`;

  /** Runs one moderation action, says what happened (or the API's error), then refreshes. */
  const act = async (label: string, fn: () => Promise<unknown>, refresh: () => Promise<void> = loadAll) => {
    say(status, `${label}…`);
    try {
      await fn();
      say(status, `${label}: done.`, 'ok');
    } catch (e) {
      say(status, `${label} failed: ${describeError(e)}`, 'error');
    }
    await refresh().catch(() => undefined);
  };

  const fill = <T>(el: HTMLElement, items: T[], render: (item: T) => HTMLElement, empty = 'none') => {
    el.replaceChildren(...(items.length ? items.map(render) : [h('li', {}, empty)]));
  };

  const loadRoom = async () => {
    const view = await mod<RoomView>('GET', room());
    $<HTMLInputElement>('#set-slow').value = String(view.settings.slowModeSec);
    $<HTMLInputElement>('#set-max').value = String(view.settings.maxLength);
    $<HTMLInputElement>('#set-closed').checked = view.settings.closed;
    $<HTMLInputElement>('#set-unique').checked = view.settings.uniqueChat;
    $('#live-state').textContent = view.live
      ? `Live since ${fmtTime(view.live.startedAt)} (session ${view.live.sessionId})`
      : 'No live session.';
    fill($('#moderators'), view.moderators, (userId) =>
      h(
        'li',
        {},
        h('code', {}, userId),
        h(
          'button',
          {
            type: 'button',
            className: 'danger',
            onclick: () =>
              void act('Remove moderator', () =>
                mod('DELETE', `${room()}/moderators/${encodeURIComponent(userId)}`),
              ),
          },
          'Remove',
        ),
      ),
    );
  };

  const loadTerms = async () => {
    // Site-wide lists are for admins: a moderator is not even asked (a 403 would only add noise).
    const admin = auth.current?.role === 'admin';
    const [roomTerms, siteTerms] = await Promise.allSettled([
      mod<{ items: Term[] }>('GET', `${room()}/blocked-terms`),
      admin ? mod<{ items: Term[] }>('GET', '/v1/blocked-terms') : Promise.reject(new Error('admins only')),
    ]);
    const render = (scope: string) => (t: Term) =>
      h(
        'li',
        {},
        h('span', {}, t.term),
        h(
          'button',
          {
            type: 'button',
            className: 'danger',
            'aria-label': `Unblock ${t.term}`,
            onclick: () =>
              void act('Unblock term', () =>
                mod('DELETE', `${scope}/blocked-terms/${encodeURIComponent(t.termId)}`),
              ),
          },
          'Unblock',
        ),
      );
    if (roomTerms.status === 'fulfilled') fill($('#room-terms'), roomTerms.value.items, render(room()));
    else fill($('#room-terms'), [describeError(roomTerms.reason)], (m) => h('li', {}, m));
    if (siteTerms.status === 'fulfilled') fill($('#site-terms'), siteTerms.value.items, render(''));
    else fill($('#site-terms'), [describeError(siteTerms.reason)], (m) => h('li', {}, m));
  };

  const loadSanctions = async () => {
    const lists: [string, string, string][] = [
      ['#mutes', `${room()}/mutes`, 'Lift mute'],
      ['#bans', `${room()}/bans`, 'Lift ban'],
      ['#site-bans', '/v1/bans', 'Lift site ban'],
    ];
    await Promise.all(
      lists.map(async ([sel, path, verb]) => {
        if (path === '/v1/bans' && auth.current?.role !== 'admin')
          return fill($(sel), ['admins only'], (m) => h('li', {}, m));
        try {
          const { items } = await mod<{ items: Sanction[] }>('GET', path);
          fill($(sel), items, (s) =>
            h(
              'li',
              {},
              h('code', {}, s.userId),
              h('span', {}, s.until ? `until ${fmtTime(s.until)}` : 'permanent'),
              s.reason ? h('span', { className: 'nick' }, s.reason) : null,
              h(
                'button',
                {
                  type: 'button',
                  onclick: () =>
                    void act(verb, () => mod('DELETE', `${path}/${encodeURIComponent(s.userId)}`)),
                },
                verb,
              ),
            ),
          );
        } catch (e) {
          fill($(sel), [describeError(e)], (m) => h('li', {}, m));
        }
      }),
    );
  };

  const loadAudit = async (more = false) => {
    if (!more) {
      auditCursor = null;
      $('#audit').replaceChildren();
    }
    const q = new URLSearchParams({ limit: '20' });
    if (more && auditCursor) q.set('cursor', auditCursor);
    const page = await mod<{ items: AuditEntry[]; nextCursor: string | null }>(
      'GET',
      `${room()}/audit-log?${q}`,
    );
    for (const e of page.items)
      $('#audit').append(
        h(
          'tr',
          { dataset: { action: e.action } },
          h('td', {}, fmtTime(e.at)),
          h('td', {}, h('code', {}, e.actorId)),
          h('td', {}, e.action),
          h('td', {}, typeof e.target === 'string' ? e.target : JSON.stringify(e.target)),
          h('td', {}, e.reason ?? ''),
        ),
      );
    auditCursor = page.nextCursor;
    $('#audit-more').hidden = !auditCursor;
  };

  const loadAll = async () => {
    await Promise.all([
      loadRoom().catch((e: unknown) => say(status, `Room: ${describeError(e)}`, 'error')),
      loadTerms(),
      loadSanctions(),
      loadAudit().catch((e: unknown) => say(status, `Audit log: ${describeError(e)}`, 'error')),
    ]);
  };

  const addToFeed = (d: Danmaku) => {
    const li = h(
      'li',
      { dataset: { id: d.id } },
      h('span', { className: 'nick' }, `${d.nickname} (${d.userId}):`),
      h('span', {}, d.text),
      h(
        'button',
        {
          type: 'button',
          className: 'danger delete-danmaku',
          'aria-label': `Delete “${d.text}” by ${d.nickname}`,
          onclick: () =>
            void act(
              'Delete danmaku',
              () =>
                mod('DELETE', `${room()}/danmaku/${encodeURIComponent(d.id)}`, {
                  reason: 'removed from the console',
                }),
              () => loadAudit(),
            ),
        },
        'Delete',
      ),
      h(
        'button',
        {
          type: 'button',
          'aria-label': `Mute ${d.nickname} for 10 minutes`,
          onclick: () =>
            void act('Mute', () =>
              mod('POST', `${room()}/mutes`, {
                userId: d.userId,
                durationSec: 600,
                reason: `for “${d.text}”`,
              }),
            ),
        },
        'Mute 10 min',
      ),
    );
    $('#feed').append(li);
  };

  const open = async () => {
    if (!auth.current) {
      consoleEl.hidden = true;
      say(status, 'Sign in as an admin or a moderator of the room.');
      return;
    }
    roomId = roomInput.value.trim();
    consoleEl.hidden = false;
    say(status, '');
    const url = new URL(location.href);
    url.searchParams.set('room', roomId);
    history.replaceState(null, '', url);
    feed?.close();
    $('#feed').replaceChildren();
    const c = new DanmakuClient({ url: config.gatewayUrl, token: () => auth.token() });
    feed = c;
    c.on('state', (s) => {
      conn.dataset['state'] = s;
      conn.textContent = s;
    });
    c.on('danmaku', (_r, items) => items.forEach(addToFeed));
    c.on('retract', (_r, ids) =>
      ids.forEach((id) =>
        $('#feed')
          .querySelector(`li[data-id="${CSS.escape(id)}"]`)
          ?.remove(),
      ),
    );
    await loadAll();
    try {
      await c.connect();
      await c.join(roomId);
    } catch (e) {
      say(status, `Live feed: ${describeError(e)}`, 'error');
    }
  };

  $('#room-form').addEventListener('submit', (e) => {
    e.preventDefault();
    void open();
  });
  $('#settings-form').addEventListener('submit', (e) => {
    e.preventDefault();
    void act('Save settings', () =>
      mod('PATCH', `${room()}/settings`, {
        slowModeSec: Number($<HTMLInputElement>('#set-slow').value),
        maxLength: Number($<HTMLInputElement>('#set-max').value),
        closed: $<HTMLInputElement>('#set-closed').checked,
        uniqueChat: $<HTMLInputElement>('#set-unique').checked,
      }),
    );
  });
  $('#session-start').addEventListener(
    'click',
    () => void act('Start session', () => mod('POST', `${room()}/sessions`)),
  );
  $('#session-end').addEventListener(
    'click',
    () => void act('End session', () => mod('POST', `${room()}/sessions/current/end`)),
  );
  const termForm = (form: string, input: string, scope: () => string) =>
    $(form).addEventListener('submit', (e) => {
      e.preventDefault();
      const el = $<HTMLInputElement>(input);
      void act('Block term', async () => {
        await mod('POST', `${scope()}/blocked-terms`, { term: el.value });
        el.value = '';
      });
    });
  termForm('#room-term-form', '#room-term', room);
  termForm('#site-term-form', '#site-term', () => '/v1');
  $('#sanction-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const kind = $<HTMLSelectElement>('#sanction-kind').value;
    const userId = $<HTMLInputElement>('#sanction-user').value.trim();
    const duration = $<HTMLInputElement>('#sanction-duration').value;
    const reason = $<HTMLInputElement>('#sanction-reason').value.trim() || undefined;
    const durationSec = duration ? Number(duration) : undefined;
    const path = kind === 'mute' ? `${room()}/mutes` : kind === 'ban' ? `${room()}/bans` : '/v1/bans';
    void act(kind === 'mute' ? 'Mute' : 'Ban', () => mod('POST', path, { userId, durationSec, reason }));
  });
  $('#mod-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const userId = $<HTMLInputElement>('#mod-user').value.trim();
    void act('Add moderator', () => mod('PUT', `${room()}/moderators/${encodeURIComponent(userId)}`));
  });
  $('#audit-more').addEventListener(
    'click',
    () => void loadAudit(true).catch((e: unknown) => say(status, describeError(e), 'error')),
  );

  auth.onChange(() => void open());
  await open();
}

main().catch((e: unknown) => {
  document.body.prepend(
    h(
      'p',
      { role: 'alert', className: 'status', dataset: { kind: 'error' } },
      `The page could not start: ${describeError(e)}`,
    ),
  );
});
