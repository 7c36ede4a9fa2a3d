import { DataSource, EntityManager, IsNull, MoreThan, Not } from 'typeorm';
import { Session } from '../../entities/session.entity';
import { User } from '../../entities/user.entity';
import { generateToken, hashToken } from '../auth/token';
import type { PendingEvents } from '../db/unit-of-work';

export interface Viewer {
  user: User;
  session: Session;
}

/** Don't write last_used_at on every request; once a minute is precise enough. */
const LAST_USED_RESOLUTION_MS = 60_000;

/** Creates, resolves and revokes sessions. Tokens are opaque; only their SHA-256 is stored. */
export class SessionService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly ttlMs: number,
  ) {}

  async create(
    tx: EntityManager,
    userId: string,
    userAgent: string | null,
  ): Promise<{ token: string; session: Session }> {
    const token = generateToken();
    const now = new Date();
    const session = tx.create(Session, {
      userId,
      tokenHash: hashToken(token),
      lastUsedAt: now,
      expiresAt: new Date(now.getTime() + this.ttlMs),
      revokedAt: null,
      userAgent: userAgent?.slice(0, 512) ?? null,
    });
    await tx.save(session);
    return { token, session };
  }

  /** The live session and user behind a bearer token, or null (unknown, revoked, expired). */
  async resolve(token: string): Promise<Viewer | null> {
    // One round trip for both rows: this runs on every request and every socket's init.
    const found = (await this.dataSource
      .getRepository(Session)
      .createQueryBuilder('session')
      .innerJoinAndMapOne('session.owner', User, 'owner', 'owner.id = session.user_id')
      .where('session.token_hash = :tokenHash', { tokenHash: hashToken(token) })
      .andWhere('session.revoked_at IS NULL')
      .andWhere('session.expires_at > now()')
      .getOne()) as (Session & { owner: User }) | null;
    if (!found) return null;
    const { owner: user, ...columns } = found;
    const session = Object.assign(new Session(), columns);
    if (Date.now() - session.lastUsedAt.getTime() > LAST_USED_RESOLUTION_MS) {
      session.lastUsedAt = new Date();
      await this.dataSource
        .getRepository(Session)
        .update({ id: session.id }, { lastUsedAt: session.lastUsedAt });
    }
    return { user, session };
  }

  /** True while the session is neither revoked nor expired (checked by live feeds). */
  async isActive(sessionId: string): Promise<boolean> {
    return this.dataSource.getRepository(Session).exists({
      where: { id: sessionId, revokedAt: IsNull(), expiresAt: MoreThan(new Date()) },
    });
  }

  listActive(userId: string): Promise<Session[]> {
    return this.dataSource.getRepository(Session).find({
      where: { userId, revokedAt: IsNull(), expiresAt: MoreThan(new Date()) },
      order: { lastUsedAt: 'DESC' },
    });
  }

  /** Revokes the given sessions of one user (or all but `keepId`) and queues the revocation. */
  async revoke(
    tx: EntityManager,
    pending: PendingEvents,
    userId: string,
    which: { ids: string[] } | { allExcept: string | null },
  ): Promise<string[]> {
    const where =
      'ids' in which
        ? which.ids.map((id) => ({ id, userId, revokedAt: IsNull() }))
        : { userId, revokedAt: IsNull(), ...(which.allExcept ? { id: Not(which.allExcept) } : {}) };
    const sessions = await tx.getRepository(Session).find({ where, select: { id: true } });
    const ids = sessions.map((s) => s.id);
    if (ids.length) {
      await tx
        .createQueryBuilder()
        .update(Session)
        .set({ revokedAt: () => 'now()' })
        .whereInIds(ids)
        .execute();
      pending.add({ kind: 'sessions-revoked', userId, sessionIds: ids });
    }
    return ids;
  }
}
