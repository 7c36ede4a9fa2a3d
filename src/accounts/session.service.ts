import { randomUUID } from 'node:crypto';
import { DataSource, EntityManager, IsNull, MoreThan } from 'typeorm';
import { Session } from '../../entities/session.entity';
import { User } from '../../entities/user.entity';
import { generateToken, hashToken } from '../auth/token';
import { EntityRows } from '../db/entity-rows';
import { prepared, query, type Prepared } from '../db/prepared';
import { Transaction } from '../db/transaction';
import { SharedBatch } from '../loaders/shared-batch';
import { copyViewer, type SessionCache } from './session-cache';

export interface Viewer {
  user: User;
  session: Session;
}

/** Don't write last_used_at on every request; once a minute is precise enough. */
const LAST_USED_RESOLUTION_MS = 60_000;

/**
 * Creates and resolves sessions. Tokens are opaque; only their SHA-256 is stored. Ending them
 * is src/access/end-access.ts (endSessions).
 */
export class SessionService {
  private rows: { sessions: EntityRows<Session>; users: EntityRows<User>; live: Prepared } | null =
    null;
  /**
   * Live sessions with their users by token hash. Resolves that miss the cache in the same
   * turn of the event loop share one statement: after a restart every client reconnects at
   * once, and thousands of sockets' `connection_init` would otherwise be one statement each.
   * One fetch at a time: during such a storm the keys that arrive meanwhile go together
   * (10,000 connecting sockets: about a third fewer statements than with two).
   */
  private readonly liveByTokenHash = new SharedBatch<Viewer>(async (tokenHashes) => {
    const { sessions, users, live } = this.statements();
    const rows = await query(this.dataSource, live, [tokenHashes]);
    return new Map(
      rows.map((row) => {
        const session = sessions.map(row) as Session;
        return [session.tokenHash, { session, user: users.map(row, 'u__') as User }];
      }),
    );
  }, 1);

  constructor(
    private readonly dataSource: DataSource,
    private readonly ttlMs: number,
    private readonly cache: SessionCache | null = null,
  ) {}

  /**
   * A new session for the user. On a Transaction the row is a deferred write (no round trip
   * of its own; its id and times are made here, as the row will hold them); on another
   * EntityManager it is saved at once.
   */
  async create(
    tx: EntityManager,
    userId: string,
    userAgent: string | null,
  ): Promise<{ token: string; session: Session }> {
    const token = generateToken();
    // Millisecond precision: the stored times read back as they were sent.
    const now = new Date();
    const session = Object.assign(new Session(), {
      id: randomUUID(),
      userId,
      tokenHash: hashToken(token),
      createdAt: now,
      lastUsedAt: now,
      authenticatedAt: now,
      expiresAt: new Date(now.getTime() + this.ttlMs),
      revokedAt: null,
      userAgent: userAgent?.slice(0, 512) ?? null,
    });
    if (tx instanceof Transaction) {
      tx.defer({
        text: `INSERT INTO sessions
                 (id, user_id, token_hash, created_at, last_used_at, authenticated_at, expires_at, user_agent)
               VALUES ($1, $2, $3, $4, $4, $4, $5, $6)`,
        values: [session.id, userId, session.tokenHash, now, session.expiresAt, session.userAgent],
      });
    } else {
      await tx.insert(Session, session);
    }
    return { token, session };
  }

  /**
   * The live session and user behind a bearer token, or null (unknown, revoked, expired).
   * Served from the process's cache for a few seconds when it has them (see SessionCache).
   */
  async resolve(token: string): Promise<Viewer | null> {
    const tokenHash = hashToken(token);
    const cached = this.cache?.get(tokenHash);
    if (cached) return cached;
    const ticket = this.cache?.ticket() ?? 0;
    // One round trip for both rows, shared with the other resolves of this turn.
    const found = await this.liveByTokenHash.load(tokenHash);
    if (!found) return null;
    const { session } = found;
    if (Date.now() - session.lastUsedAt.getTime() > LAST_USED_RESOLUTION_MS) {
      session.lastUsedAt = new Date();
      await this.dataSource
        .getRepository(Session)
        .update({ id: session.id }, { lastUsedAt: session.lastUsedAt });
    }
    this.cache?.store(tokenHash, found, ticket);
    // Resolves of one token in the same turn share the read, not the objects.
    return copyViewer(found);
  }

  private statements() {
    if (!this.rows) {
      const sessions = new EntityRows(this.dataSource, Session);
      // Read past the column transformers: the sealed TOTP secrets stay out of the viewer.
      const users = new EntityRows(this.dataSource, User, [
        'twoFactorSecret',
        'twoFactorPendingSecret',
      ]);
      this.rows = {
        sessions,
        users,
        live: prepared(
          'live_sessions_by_token',
          `SELECT ${sessions.select('s')}, ${users.select('u', 'u__')}
             FROM sessions s JOIN users u ON u.id = s.user_id
            WHERE s.token_hash = ANY($1::text[]) AND s.revoked_at IS NULL AND s.expires_at > now()`,
        ),
      };
    }
    return this.rows;
  }

  listActive(userId: string): Promise<Session[]> {
    return this.dataSource.getRepository(Session).find({
      where: { userId, revokedAt: IsNull(), expiresAt: MoreThan(new Date()) },
      order: { lastUsedAt: 'DESC' },
    });
  }
}
