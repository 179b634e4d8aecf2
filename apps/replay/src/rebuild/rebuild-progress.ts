import type { RebuildProgress, RebuildSummary } from './rebuild.service';

const int = (n: number) => Math.round(n).toLocaleString('en-US');

function duration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  return m < 60
    ? `${m}m${String(s % 60).padStart(2, '0')}s`
    : `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

/** One progress line: per topic read/total (against the snapshot's high watermarks), rate, ETA. */
export function formatProgress(p: RebuildProgress): string {
  const topics = p.topics
    .map(
      (t) =>
        `${t.name} ${int(t.read)}/${int(t.total)} (${t.total === 0 ? 100 : Math.floor((t.read / t.total) * 100)}%)`,
    )
    .join(' · ');
  const eta = p.etaMs === null ? 'ETA ?' : `ETA ${duration(p.etaMs)}`;
  return `[${duration(p.elapsedMs)}] ${topics} · ${int(p.rate)} msg/s · ${eta}`;
}

/** The end summary, a few aligned lines. */
export function formatSummary(s: RebuildSummary): string {
  const seconds = Math.max(s.elapsedMs, 1) / 1000;
  const read = s.accepted.read + s.events.read;
  const scope =
    s.scope.kind === 'room' ? `room ${s.scope.roomId} (${int(s.keysWiped)} keys wiped first)` : 'all rooms';
  return [
    `replay rebuild of ${scope}: done in ${seconds.toFixed(1)} s, ${int(read / seconds)} msg/s`,
    `  danmaku.accepted  read ${int(s.accepted.read)}, in scope ${int(s.accepted.matched)}: stored ${int(s.accepted.stored)}, already stored ${int(s.accepted.duplicates)}, retracted ${int(s.accepted.tombstoned)}, past retention ${int(s.accepted.expired)}`,
    `  room.events       read ${int(s.events.read)}, in scope ${int(s.events.matched)}: session events ${int(s.events.sessionEvents)}, retracted ids ${int(s.events.retractedIds)} (${int(s.events.removed)} removed from the store)`,
  ].join('\n');
}
