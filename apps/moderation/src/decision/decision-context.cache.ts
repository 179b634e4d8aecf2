import { Injectable } from '@nestjs/common';
import type { SanctionView } from '@danmaku/contracts';
import { Clock } from '../common/clock';
import {
  DecisionContextRepository,
  type RoomRead,
  type RoomState,
  type SiteRead,
} from './decision-context.repository';

/** One room's context for a batch: its state and its senders' sanctions, as of `token`. */
export interface RoomSnapshot extends RoomState {
  bans: Map<string, SanctionView>;
  mutes: Map<string, SanctionView>;
}

export interface BatchSnapshot {
  rooms: Map<string, RoomSnapshot>;
  siteBans: Map<string, SanctionView>;
  siteTermsVersion: string;
  /** The site's context token the snapshot belongs to. */
  siteToken: string;
}

/** Rooms kept (oldest read dropped first); a room read again after that costs one round trip. */
const MAX_ROOMS = 10_000;
/** Senders kept per scope; past it the scope keeps only the current batch's. */
const MAX_USERS_PER_SCOPE = 10_000;
/**
 * A scope is read again after this long even if its token never moved: the bound on how
 * long a write that does not replace the token (a hand edit in Redis, an older moderation
 * release during a rolling upgrade) can go unseen. Writes of this release are seen at once.
 */
export const CONTEXT_MAX_AGE_MS = 30_000;

interface CachedRoom extends RoomRead {
  readAt: number;
}

interface CachedSite extends SiteRead {
  readAt: number;
}

/**
 * The decision context (settings, sessions, term versions, bans and mutes) of the rooms a
 * batch touches, kept between batches under each scope's context token, so a busy room's
 * batches need no Redis read before their decision round trip. Never trusted blindly: the
 * decision script compares the tokens in the same atomic step as it decides, and a message
 * whose room or site changed comes back stale; `invalidate` then drops the scope and the
 * message is evaluated again on a fresh read (DecisionService). A room is read when it is
 * not cached, when it is older than CONTEXT_MAX_AGE_MS, or when a sender's sanctions are
 * not known yet; all the reads of a batch share one round trip.
 */
@Injectable()
export class DecisionContextCache {
  private readonly rooms = new Map<string, CachedRoom>();
  private site: CachedSite | null = null;

  constructor(
    private readonly repo: DecisionContextRepository,
    private readonly clock: Clock,
  ) {}

  /** `senders`: the userIds that submitted, per room. */
  async snapshot(senders: Map<string, string[]>): Promise<BatchSnapshot> {
    const now = this.clock.now();
    const allUsers = [...new Set([...senders.values()].flat())];
    const toRead = new Map<string, string[]>();
    for (const [roomId, users] of senders) {
      const cached = this.rooms.get(roomId);
      if (!cached || now - cached.readAt > CONTEXT_MAX_AGE_MS || users.some((u) => !cached.users.has(u)))
        toRead.set(roomId, users);
    }
    const site = this.site;
    const readSite =
      !site || now - site.readAt > CONTEXT_MAX_AGE_MS || allUsers.some((u) => !site.bans.has(u));
    let read: { rooms: Map<string, RoomRead>; site: SiteRead | null } = { rooms: new Map(), site: null };
    if (toRead.size > 0 || readSite) {
      read = await this.repo.read(toRead, readSite ? allUsers : null);
      for (const [roomId, room] of read.rooms) this.keepRoom(roomId, room, now);
      if (read.site) this.keepSite(read.site, now);
    }
    return this.assemble(senders, allUsers, read);
  }

  /** Forgets scopes whose token moved on: their next batch reads them again. */
  invalidate(roomIds: Iterable<string>, site: boolean): void {
    for (const roomId of roomIds) this.rooms.delete(roomId);
    if (site) this.site = null;
  }

  private keepRoom(roomId: string, read: RoomRead, now: number): void {
    const cached = this.rooms.get(roomId);
    if (cached && cached.token === read.token && cached.users.size + read.users.size <= MAX_USERS_PER_SCOPE) {
      // Same state: only more senders' sanctions are known now.
      for (const [userId, s] of read.users) cached.users.set(userId, s);
      cached.readAt = now;
      return;
    }
    this.rooms.delete(roomId);
    if (this.rooms.size >= MAX_ROOMS) this.rooms.delete(this.rooms.keys().next().value as string);
    this.rooms.set(roomId, { ...read, readAt: now });
  }

  private keepSite(read: SiteRead, now: number): void {
    const cached = this.site;
    if (cached && cached.token === read.token && cached.bans.size + read.bans.size <= MAX_USERS_PER_SCOPE) {
      for (const [userId, s] of read.bans) cached.bans.set(userId, s);
      cached.readAt = now;
      return;
    }
    this.site = { ...read, readAt: now };
  }

  /** The snapshot: what was just read, else the cache (which then knows every sender asked for). */
  private assemble(
    senders: Map<string, string[]>,
    allUsers: string[],
    read: { rooms: Map<string, RoomRead>; site: SiteRead | null },
  ): BatchSnapshot {
    const site = read.site ?? this.site;
    if (!site) throw new Error('site decision context neither cached nor read');
    const rooms = new Map<string, RoomSnapshot>();
    for (const [roomId, users] of senders) {
      const room = read.rooms.get(roomId) ?? this.rooms.get(roomId);
      if (!room) throw new Error(`decision context of room ${roomId} neither cached nor read`);
      const bans = new Map<string, SanctionView>();
      const mutes = new Map<string, SanctionView>();
      for (const userId of users) {
        const s = room.users.get(userId);
        if (s?.ban) bans.set(userId, s.ban);
        if (s?.mute) mutes.set(userId, s.mute);
      }
      const { token, settings, live, lastEnded, termsVersion } = room;
      rooms.set(roomId, { token, settings, live, lastEnded, termsVersion, bans, mutes });
    }
    const siteBans = new Map<string, SanctionView>();
    for (const userId of allUsers) {
      const ban = site.bans.get(userId);
      if (ban) siteBans.set(userId, ban);
    }
    return { rooms, siteBans, siteTermsVersion: site.termsVersion, siteToken: site.token };
  }
}
