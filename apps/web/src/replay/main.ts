import type { Danmaku } from '@danmaku/contracts';
import { api, describeError } from '../common/api';
import { $, fmtDuration, fmtTime, h, say } from '../common/dom';
import { bootPage } from '../common/layout';
import { createPlayer, drawDensity, type DanmakuPlayer } from '../player/player';

interface SessionInfo {
  sessionId: string;
  startedAt: number;
  endedAt: number | null;
  count: number;
}

/** Timeline windows of this many ms are fetched (all their pages, by cursor) as playback nears them. */
const WINDOW_MS = 30_000;
/** Fetch the next window when playback is this close to the end of the current one. */
const PREFETCH_MS = 10_000;

async function main(): Promise<void> {
  const { config } = await bootPage({ allowGuest: true });
  const roomInput = $<HTMLInputElement>('#room-id');
  const status = $('#replay-status');
  const list = $('#sessions');
  const windowsOut = $('#windows');
  roomInput.value = new URLSearchParams(location.search).get('room') || roomInput.value;
  let player: DanmakuPlayer | null = null;
  let stopWatching: (() => void) | null = null;

  const listSessions = async () => {
    const roomId = roomInput.value.trim();
    list.replaceChildren();
    say(status, 'Loading…');
    try {
      const { items } = await api<{ items: SessionInfo[] }>(
        config.replayUrl,
        'GET',
        `/v1/rooms/${encodeURIComponent(roomId)}/sessions`,
      );
      say(
        status,
        items.length ? `${items.length} recording(s) in ${roomId}.` : `No recordings in ${roomId} yet.`,
      );
      for (const s of items) {
        const length = (s.endedAt ?? Date.now()) - s.startedAt;
        list.append(
          h(
            'li',
            { dataset: { sessionId: s.sessionId } },
            h(
              'button',
              { type: 'button', className: 'play-session', onclick: () => void open(roomId, s) },
              `Play ${fmtTime(s.startedAt)}`,
            ),
            h('span', {}, `${fmtDuration(length)} · ${s.count} danmaku${s.endedAt ? '' : ' · live now'}`),
          ),
        );
      }
      const wanted = new URLSearchParams(location.search).get('session');
      const match = items.find((s) => s.sessionId === wanted);
      if (match) await open(roomId, match);
    } catch (e) {
      say(status, describeError(e), 'error');
    }
  };

  const open = async (roomId: string, s: SessionInfo) => {
    stopWatching?.();
    player?.destroy();
    const p = createPlayer($<HTMLDivElement>('#player'), config.videoUrl, false);
    player = p;
    const url = new URL(location.href);
    url.searchParams.set('room', roomId);
    url.searchParams.set('session', s.sessionId);
    history.replaceState(null, '', url);
    const base = `/v1/rooms/${encodeURIComponent(roomId)}/sessions/${encodeURIComponent(s.sessionId)}`;

    // Density: about 100 buckets over the session, at least 1 s each.
    const lengthMs = Math.max(1, (s.endedAt ?? Date.now()) - s.startedAt);
    const bucketMs = Math.min(3_600_000, Math.max(1000, Math.ceil(lengthMs / 100 / 1000) * 1000));
    void api<{ bucketMs: number; buckets: number[] }>(
      config.replayUrl,
      'GET',
      `${base}/density?bucketMs=${bucketMs}`,
    ).then(
      (d) => drawDensity(p, d.bucketMs, d.buckets),
      (e: unknown) => say(status, `Density: ${describeError(e)}`, 'error'),
    );

    // Timeline by window: each window's pages are followed by cursor, once.
    const loaded = new Map<number, Promise<void>>();
    const loadWindow = (index: number): Promise<void> => {
      if (index < 0) return Promise.resolve();
      const known = loaded.get(index);
      if (known) return known;
      const job = (async () => {
        let cursor: string | null = null;
        do {
          const q = new URLSearchParams({
            fromMs: String(index * WINDOW_MS),
            toMs: String((index + 1) * WINDOW_MS),
            limit: '200',
          });
          if (cursor) q.set('cursor', cursor);
          const page: { items: Danmaku[]; nextCursor: string | null } = await api(
            config.replayUrl,
            'GET',
            `${base}/danmaku?${q}`,
          );
          if (player !== p) return; // another session was opened meanwhile
          for (const d of page.items) if (d.offsetMs !== null) p.show(d, d.offsetMs / 1000);
          cursor = page.nextCursor;
        } while (cursor);
        windowsOut.textContent = [...loaded.keys()]
          .sort((a, b) => a - b)
          .map((i) => `${(i * WINDOW_MS) / 1000}–${((i + 1) * WINDOW_MS) / 1000} s`)
          .join(', ');
      })().catch((e: unknown) => {
        loaded.delete(index); // try again when playback comes back here
        say(status, `Timeline: ${describeError(e)}`, 'error');
      });
      loaded.set(index, job);
      return job;
    };
    const ensure = () => {
      const ms = p.art.currentTime * 1000;
      const index = Math.floor(ms / WINDOW_MS);
      void loadWindow(index);
      if (ms % WINDOW_MS > WINDOW_MS - PREFETCH_MS) void loadWindow(index + 1);
    };
    p.art.on('video:timeupdate', ensure);
    p.art.on('seek', ensure);
    stopWatching = () => {
      p.art.off('video:timeupdate', ensure);
      p.art.off('seek', ensure);
    };
    await loadWindow(0);
    say(status, `Playing the recording of ${fmtTime(s.startedAt)} (${s.count} danmaku).`);
  };

  $('#room-form').addEventListener('submit', (e) => {
    e.preventDefault();
    void listSessions();
  });
  $('#seek-form').addEventListener('submit', (e) => {
    e.preventDefault();
    if (!player) return say(status, 'Choose a recording first.', 'error');
    const sec = Number($<HTMLInputElement>('#seek-sec').value);
    player.art.seek = sec;
    player.art.play().catch(() => undefined);
  });
  await listSessions();
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
