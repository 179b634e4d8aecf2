import Artplayer from 'artplayer';
import artplayerPluginDanmuku, { type Danmu, type Result as DanmukuPlugin } from 'artplayer-plugin-danmuku';
import type { Danmaku } from '@danmaku/contracts';

const MODE: Record<Danmaku['mode'], 0 | 1 | 2> = { scroll: 0, top: 1, bottom: 2 };
/** Font sizes relative to the player's height, so phone and desktop look alike. */
const SIZE: Record<Danmaku['size'], number> = { small: 0.045, medium: 0.06, large: 0.085 };

export interface DanmakuPlayer {
  art: Artplayer;
  plugin: DanmukuPlugin;
  /** Puts a danmaku on screen: now (live) or at its offset (replay). */
  show(d: Danmaku, atSec?: number): void;
  /** Takes danmaku off the screen and keeps them off. */
  retract(ids: string[]): void;
  destroy(): void;
}

/**
 * An Artplayer with the danmuku plugin (the plugin's own input box and heatmap off: the page
 * has an accessible send form, and replay draws the server's density itself).
 * @param live live rooms show each danmaku once; replay shows them whenever playback passes their time.
 */
export function createPlayer(container: HTMLDivElement, videoUrl: string, live: boolean): DanmakuPlayer {
  const retracted = new Set<string>();
  const shown = new Set<string>();
  /** id → when it was last let through. The plugin runs one animation loop per play/playing
   * event, so two loops can pick the same item in the same frame: the second is refused. */
  const letThroughAt = new Map<string, number>();
  const SAME_FRAME_MS = 250;
  const speedSec = 7;
  const letThrough = (id: string): boolean => {
    if (retracted.has(id) || (live && shown.has(id))) return false;
    const now = Date.now();
    const last = letThroughAt.get(id);
    if (last !== undefined && now - last < SAME_FRAME_MS) return false;
    if (letThroughAt.size > 2000)
      for (const [k, t] of letThroughAt) if (now - t >= SAME_FRAME_MS) letThroughAt.delete(k);
    letThroughAt.set(id, now);
    return true;
  };
  const art = new Artplayer({
    container,
    url: videoUrl,
    isLive: live,
    autoplay: true,
    muted: true, // browsers only autoplay muted video
    loop: live,
    hotkey: true,
    setting: true,
    fullscreen: true,
    fullscreenWeb: true,
    playsInline: true,
    autoSize: false,
    theme: '#ff77a8',
    moreVideoAttr: { preload: 'auto', crossOrigin: undefined },
    plugins: [
      artplayerPluginDanmuku({
        danmuku: [],
        speed: speedSec,
        emitter: false,
        heatmap: false,
        antiOverlap: true,
        margin: [8, '10%'],
        // Never re-show a retracted one; in a live room a looping demo video must not replay old ones.
        beforeVisible: (d: Danmu & { id?: string }) => !d.id || letThrough(d.id),
      }),
    ],
  });
  const plugin = () => art.plugins['artplayerPluginDanmuku'] as unknown as DanmukuPlugin;
  // After a seek, clear the screen: only the danmaku of the new moment should show.
  if (!live)
    art.on('seek', () => {
      plugin().reset();
    });
  art.on(
    'artplayerPluginDanmuku:visible' as never,
    ((d: { id?: string }) => {
      if (d.id) shown.add(d.id);
    }) as never,
  );

  const player: DanmakuPlayer = {
    art,
    get plugin() {
      return plugin();
    },
    show(d, atSec) {
      if (retracted.has(d.id)) return;
      const height = (art.template.$player as HTMLElement).clientHeight || 360;
      void plugin().emit({
        id: d.id,
        text: d.text,
        color: d.color,
        mode: MODE[d.mode],
        time: atSec,
        border: false,
        style: { fontSize: `${Math.max(12, Math.round(height * SIZE[d.size]))}px` },
        // The plugin validates unknown keys away; `id` becomes data-id on the element.
      } as Danmu);
    },
    retract(ids) {
      for (const id of ids) {
        retracted.add(id);
        const el = container.querySelector<HTMLElement>(`.art-danmuku [data-id="${CSS.escape(id)}"]`);
        if (el) {
          // The plugin recycles its elements: hide this one and clear its id rather than removing it.
          el.style.visibility = 'hidden';
          el.dataset['id'] = '';
          el.textContent = '';
        }
      }
    },
    destroy() {
      art.destroy(false);
    },
  };
  return player;
}

/**
 * The density ("high-energy") bar over the seek bar: one column per bucket of the replay API's
 * histogram, height by count, placed by offset over the video's duration.
 */
export function drawDensity(player: DanmakuPlayer, bucketMs: number, buckets: number[]): void {
  const { art } = player;
  const name = 'density';
  const render = () => {
    const durationMs = (art.duration || 0) * 1000;
    const max = Math.max(1, ...buckets);
    const el = document.createElement('div');
    el.className = 'density';
    el.setAttribute('role', 'img');
    const peak = buckets.indexOf(Math.max(...buckets, 0));
    el.setAttribute(
      'aria-label',
      buckets.length
        ? `Danmaku density: ${buckets.reduce((a, b) => a + b, 0)} messages, busiest around ${Math.round((peak * bucketMs) / 1000)} s`
        : 'Danmaku density: no messages',
    );
    el.dataset['bucketMs'] = String(bucketMs);
    buckets.forEach((count, i) => {
      const bar = document.createElement('span');
      bar.className = 'density-bar';
      bar.dataset['count'] = String(count);
      bar.dataset['index'] = String(i);
      const span = durationMs > 0 ? durationMs : buckets.length * bucketMs;
      bar.style.left = `${((i * bucketMs) / span) * 100}%`;
      bar.style.width = `${(bucketMs / span) * 100}%`;
      bar.style.height = `${(count / max) * 100}%`;
      el.append(bar);
    });
    return el;
  };
  const existing = art.controls[name] as HTMLElement | undefined;
  if (existing) {
    existing.replaceChildren(render());
  } else {
    art.controls.add({
      name,
      position: 'top',
      html: render(),
      style: {
        position: 'absolute',
        left: '0',
        right: '0',
        bottom: '100%',
        height: '28px',
        pointerEvents: 'none',
      },
    });
  }
  art.once('video:loadedmetadata', () =>
    (art.controls[name] as HTMLElement | undefined)?.replaceChildren(render()),
  );
}
