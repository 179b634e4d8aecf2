import { createHash } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { DanmakuAccepted, DanmakuRejected, DanmakuSubmitted, Danmaku } from '@danmaku/contracts';
import { Clock } from '../common/clock';
import { TermSetCache } from '../blocked-terms/term-set.cache';
import { TERM_MATCHER, type CompiledTerms, type TermMatcher } from '../blocked-terms/term-matcher';
import { DecisionEventsRepository } from '../messaging/decision-events.repository';
import { DecisionContextCache } from './decision-context.cache';
import { DECISION_POLICY, DecisionPolicy } from './decision-policy.service';
import { DecisionStoreRepository } from './decision-store.repository';
import { RecentBufferRepository } from './recent-buffer.repository';
import { DecisionMetrics } from './decision.metrics';
import type {
  DecisionRequest,
  RecordedDecision,
  RejectedDecision,
  Rejection,
  RoomContext,
  StoredDecision,
} from './decision.types';

/** Rounds of one batch whose context changed under them before the batch fails (and is retried). */
const MAX_CONTEXT_ATTEMPTS = 5;

export interface BatchOutcome {
  accepted: DanmakuAccepted[];
  rejected: DanmakuRejected[];
}

/**
 * Decides a partition batch of submissions: the rooms' context (cached under their context
 * tokens, read in one round trip when not), the static rules here, then one round trip of
 * atomic scripts deciding the messages in order (context tokens checked, rate rules, seq,
 * and the accepted ones appended to their rooms' recent buffers), then one publish per
 * topic. A busy room's batch thus costs one Redis round trip, not two. Safe to run again on
 * the same batch: stored decisions win.
 */
@Injectable()
export class DecisionService {
  constructor(
    private readonly contexts: DecisionContextCache,
    private readonly store: DecisionStoreRepository,
    private readonly recent: RecentBufferRepository,
    private readonly events: DecisionEventsRepository,
    private readonly terms: TermSetCache,
    @Inject(DECISION_POLICY) private readonly policy: DecisionPolicy,
    @Inject(TERM_MATCHER) private readonly matcher: TermMatcher,
    private readonly clock: Clock,
    private readonly metrics: DecisionMetrics,
  ) {}

  async decideBatch(submissions: DanmakuSubmitted[], heartbeat?: () => Promise<void>): Promise<BatchOutcome> {
    if (submissions.length === 0) return { accepted: [], rejected: [] };
    const stopTimer = this.metrics.batchDuration.startTimer();

    // Decided in order; a message whose room or site context changed under it comes back
    // stale (nothing written) and is evaluated again, with its room's later messages, on a
    // fresh read of that scope.
    const recorded: RecordedDecision[] = new Array<RecordedDecision>(submissions.length);
    let todo = submissions.map((_, i) => i);
    for (let attempt = 1; todo.length > 0; attempt++) {
      if (attempt > MAX_CONTEXT_ATTEMPTS)
        throw new Error(`decision context changed ${MAX_CONTEXT_ATTEMPTS} times during one batch`);
      const part = todo.map((i) => submissions[i]);
      const { requests, siteToken } = await this.requestsFor(part);
      const results = await this.store.record(requests, siteToken, heartbeat);
      const again: number[] = [];
      const staleRooms = new Set<string>();
      let staleSite = false;
      results.forEach((r, k) => {
        if ('stale' in r) {
          again.push(todo[k]);
          if (r.stale === 'site') staleSite = true;
          else staleRooms.add(part[k].roomId);
        } else recorded[todo[k]] = r;
      });
      if (again.length > 0) {
        this.contexts.invalidate(staleRooms, staleSite);
        this.metrics.staleContexts.inc(again.length);
      }
      todo = again;
    }

    const outcome: BatchOutcome = { accepted: [], rejected: [] };
    const redelivered: Danmaku[] = [];
    const seen = new Set<string>();
    recorded.forEach(({ decision, fresh: isFresh }, i) => {
      const sub = submissions[i];
      // The same submission twice in one batch (a producer retry): publish its decision once.
      if (seen.has(sub.id)) return;
      seen.add(sub.id);
      this.count(decision, isFresh, sub.sentAt);
      if (decision.outcome === 'accepted') {
        const accepted = toAccepted(sub, decision);
        outcome.accepted.push(accepted);
        if (!isFresh) redelivered.push(accepted.danmaku);
      } else outcome.rejected.push(toRejected(sub, decision));
    });
    // Before publishing, whatever a gateway broadcasts is in the catch-up buffer: the script
    // appended the fresh ones; a redelivered one is appended again (a no-op unless the
    // buffer lost it), with its stored seq and session.
    if (redelivered.length > 0) await this.recent.append(redelivered);
    await this.events.publish(outcome.accepted, outcome.rejected);
    stopTimer();
    return outcome;
  }

  /** The decision requests of `submissions`: their context, then the static rules. */
  private async requestsFor(
    submissions: DanmakuSubmitted[],
  ): Promise<{ requests: DecisionRequest[]; siteToken: string }> {
    const now = this.clock.now();
    const senders = new Map<string, Set<string>>();
    for (const s of submissions) {
      const users = senders.get(s.roomId) ?? new Set<string>();
      users.add(s.userId);
      senders.set(s.roomId, users);
    }
    const snapshot = await this.contexts.snapshot(
      new Map([...senders].map(([room, users]) => [room, [...users]])),
    );
    const siteTerms = await this.terms.get(null, snapshot.siteTermsVersion);
    const roomTerms = new Map<string, CompiledTerms>();
    for (const [roomId, room] of snapshot.rooms)
      roomTerms.set(roomId, await this.terms.get(roomId, room.termsVersion));

    // What depends on the room only is built once per room and shared by its messages.
    const site = { bans: snapshot.siteBans, terms: siteTerms };
    const rooms = new Map<
      string,
      {
        context: RoomContext;
        token: string;
        rate: Pick<DecisionRequest, 'rules' | 'ifFlood' | 'ifSlowMode' | 'ifDuplicate'>;
      }
    >();
    for (const [roomId, room] of snapshot.rooms) {
      const terms = roomTerms.get(roomId);
      if (!terms) throw new Error(`no terms for room ${roomId}`);
      const answers = this.policy.rateRejections(room.settings);
      rooms.set(roomId, {
        context: { ...room, roomTerms: terms },
        token: room.token,
        rate: {
          rules: this.policy.rateRules(room.settings),
          ifFlood: rejected(answers.flood, now),
          ifSlowMode: rejected(answers.slowMode, now),
          ifDuplicate: rejected(answers.duplicate, now),
        },
      });
    }

    const requests = submissions.map((sub): DecisionRequest => {
      const room = rooms.get(sub.roomId);
      if (!room) throw new Error(`no snapshot for room ${sub.roomId}`);
      const rejection = this.policy.staticRejection(sub, room.context, site, now);
      const session = this.policy.sessionAt(sub.sentAt, room.context.live, room.context.lastEnded);
      return {
        id: sub.id,
        roomId: sub.roomId,
        userId: sub.userId,
        sentAt: sub.sentAt,
        // Only uniqueChat rooms compare texts; elsewhere the script never reads this key.
        textHash:
          room.rate.rules.duplicateWindowMs > 0
            ? createHash('sha1').update(this.matcher.fingerprint(sub.text)).digest('base64url')
            : '',
        rejectNow: rejection ? rejected(rejection, now) : null,
        ifAccepted: { outcome: 'accepted', ...session, decidedAt: now },
        recent: rejection ? NO_RECENT : recentAround(toDanmaku(sub, { seq: SEQ_MARK, ...session })),
        ...room.rate,
        contextToken: room.token,
      };
    });
    return { requests, siteToken: snapshot.siteToken };
  }

  private count(decision: StoredDecision, fresh: boolean, sentAt: number): void {
    if (!fresh) {
      this.metrics.redelivered.inc();
      return;
    }
    const code = decision.outcome === 'accepted' ? 'none' : decision.code;
    this.metrics.decisions.inc({ outcome: decision.outcome, code });
    this.metrics.queueLatency.observe(Math.max(0, decision.decidedAt - sentAt) / 1000);
  }
}

function rejected(r: Rejection, decidedAt: number): RejectedDecision {
  return { outcome: 'rejected', code: r.code, reason: r.reason, decidedAt };
}

/** A seq no decision has: marks where the script puts the real one. */
const SEQ_MARK = -1;
const SEQ_FIELD = `"seq":`;
const NO_RECENT = { head: '', tail: '' };

/** The buffered danmaku's JSON split around its seq (the JSON text of SEQ_MARK). */
function recentAround(d: Danmaku): DecisionRequest['recent'] {
  const json = JSON.stringify(d);
  // Only the key can match: quotes inside string values are escaped.
  const at = json.indexOf(`${SEQ_FIELD}${SEQ_MARK}`) + SEQ_FIELD.length;
  return { head: json.slice(0, at), tail: json.slice(at + String(SEQ_MARK).length) };
}

function toAccepted(
  sub: DanmakuSubmitted,
  d: Extract<StoredDecision, { outcome: 'accepted' }>,
): DanmakuAccepted {
  return {
    danmaku: toDanmaku(sub, d),
    origin: sub.origin,
    ...(sub.nonce !== undefined && { nonce: sub.nonce }),
    ...(d.epoch !== undefined && { epoch: d.epoch }),
    decidedAt: d.decidedAt,
  };
}

function toDanmaku(
  sub: DanmakuSubmitted,
  d: Pick<StoredDecision & { outcome: 'accepted' }, 'seq' | 'sessionId' | 'offsetMs'>,
): Danmaku {
  return {
    id: sub.id,
    roomId: sub.roomId,
    seq: d.seq,
    userId: sub.userId,
    nickname: sub.nickname,
    text: sub.text,
    mode: sub.mode,
    color: sub.color,
    size: sub.size,
    sentAt: sub.sentAt,
    sessionId: d.sessionId,
    offsetMs: d.offsetMs,
  };
}

function toRejected(
  sub: DanmakuSubmitted,
  d: Extract<StoredDecision, { outcome: 'rejected' }>,
): DanmakuRejected {
  return {
    id: sub.id,
    roomId: sub.roomId,
    userId: sub.userId,
    ...(sub.nonce !== undefined && { nonce: sub.nonce }),
    code: d.code,
    reason: d.reason,
    origin: sub.origin,
    decidedAt: d.decidedAt,
  };
}
