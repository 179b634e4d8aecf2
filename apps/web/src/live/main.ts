import { DanmakuClient, randomId, type ConnectionState } from '@danmaku/client';
import type { Danmaku, DanmakuSendPayload, NoticeEvent } from '@danmaku/contracts';
import { describeError } from '../common/api';
import { $, h, say } from '../common/dom';
import { bootPage } from '../common/layout';
import { createPlayer } from '../player/player';

const MAX_LOG = 200;

async function main(): Promise<void> {
  const { config, auth } = await bootPage({ allowGuest: true });
  const player = createPlayer($<HTMLDivElement>('#player'), config.videoUrl, true);
  const roomInput = $<HTMLInputElement>('#room-id');
  const conn = $('#conn');
  const online = $('#online');
  const log = $<HTMLOListElement>('#chat-log');
  const notices = $('#notices');
  const sendStatus = $('#send-status');
  const sendText = $<HTMLInputElement>('#send-text');
  const sendButton = $<HTMLButtonElement>('#send-button');
  roomInput.value = new URLSearchParams(location.search).get('room') || roomInput.value;

  let client: DanmakuClient | null = null;
  let roomId = '';
  /** Nonces refused by moderation: such a refusal can overtake the ack that said "queued". */
  const refused = new Set<string>();

  const setState = (state: ConnectionState, why?: string) => {
    conn.dataset['state'] = state;
    conn.textContent = why ? `${state} (${why})` : state;
  };

  const addToLog = (d: Danmaku) => {
    const li = h(
      'li',
      { dataset: { id: d.id, seq: String(d.seq) } },
      h('span', { className: 'nick' }, `${d.nickname}:`),
      h('span', { style: `color:${d.color}` }, d.text),
    );
    log.append(li);
    while (log.children.length > MAX_LOG) log.firstElementChild?.remove();
    log.scrollTop = log.scrollHeight;
  };

  const addNotice = (text: string, code: string) => {
    notices.prepend(h('li', { dataset: { code } }, `${new Date().toLocaleTimeString()} ${text}`));
  };

  const onNotice = (n: NoticeEvent) => {
    const until = n.until ? ` until ${new Date(n.until).toLocaleString()}` : '';
    addNotice(`${n.code}: ${n.message}${until}`, n.code);
    if (n.code === 'SESSION_REVOKED') setState('disconnected', 'session revoked — sign in again');
  };

  const join = async () => {
    client?.close();
    client = null;
    log.replaceChildren();
    const session = auth.current;
    if (!session) {
      setState('disconnected', 'sign in or watch as guest');
      return;
    }
    roomId = roomInput.value.trim();
    const c = new DanmakuClient({ url: config.gatewayUrl, token: () => auth.token() });
    client = c;
    c.on('state', (s, e) => setState(s, e?.code));
    c.on('danmaku', (_room, items) => {
      for (const d of items) {
        player.show(d);
        addToLog(d);
      }
    });
    c.on('retract', (_room, ids) => {
      player.retract(ids);
      for (const id of ids) log.querySelector(`li[data-id="${CSS.escape(id)}"]`)?.remove();
    });
    c.on('online', (_room, count) => (online.textContent = String(count)));
    c.on('rejected', (e) => {
      if (e.nonce) refused.add(e.nonce);
      say(sendStatus, `Refused (${e.code}): ${e.reason}`, 'error');
    });
    c.on('notice', onNotice);
    c.on('settings', (_room, s) => {
      sendText.maxLength = s.maxLength;
      if (s.closed) addNotice('This room is closed to new danmaku.', 'ROOM_CLOSED');
    });
    c.on('left', (_room, e) => addNotice(`You left the room: ${describeError(e)}`, e.code));
    c.on('resync', () => addNotice('Some messages could not be recovered after the reconnect.', 'RESYNC'));
    try {
      await c.connect();
      await c.join(roomId);
      const url = new URL(location.href);
      url.searchParams.set('room', roomId);
      history.replaceState(null, '', url);
      say(sendStatus, session.role === 'guest' ? 'Watching as a guest: sign in to send.' : '');
    } catch (e) {
      say(sendStatus, `Could not join ${roomId}: ${describeError(e)}`, 'error');
    }
  };

  $('#room-form').addEventListener('submit', (e) => {
    e.preventDefault();
    void join();
  });

  $('#send-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const c = client;
    if (!c || !roomId) return say(sendStatus, 'Join a room first.', 'error');
    const payload: DanmakuSendPayload = {
      roomId,
      nonce: randomId(),
      text: sendText.value,
      mode: $<HTMLSelectElement>('#send-mode').value as DanmakuSendPayload['mode'],
      color: $<HTMLInputElement>('#send-color').value,
      size: $<HTMLSelectElement>('#send-size').value as DanmakuSendPayload['size'],
    };
    sendButton.disabled = true;
    say(sendStatus, 'Sending…');
    void c
      .send(payload)
      .then(
        () => {
          sendText.value = '';
          if (!refused.has(payload.nonce ?? '')) say(sendStatus, 'Sent.', 'ok');
        },
        (err: unknown) => say(sendStatus, `Not sent: ${describeError(err)}`, 'error'),
      )
      .finally(() => {
        sendButton.disabled = false;
        sendText.focus();
      });
  });

  auth.onChange(() => void join());
  if (auth.current) await join();
  else setState('disconnected', 'sign in or watch as guest');
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
