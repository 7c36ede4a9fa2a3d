/**
 * The typical server: what a team writes in an afternoon on the same data. Apollo Server 5 on
 * express with SDL resolvers, a bearer-token session read per request, a per-request
 * DataLoader for users, one membership check per operation, and `updateItem` with the same
 * team lock, version bump and hash-chained activity row as teamgraph in one transaction. No
 * permission layer, no logging, no publish. Started by the benchmark runner with
 * DATABASE_URL and PORT.
 */
import { createHash, randomUUID } from 'node:crypto';
import http from 'node:http';
import { ApolloServer } from '@apollo/server';
import { expressMiddleware } from '@as-integrations/express5';
import canonicalize from 'canonicalize';
import DataLoader from 'dataloader';
import express from 'express';
import { GraphQLError } from 'graphql';
import { JSONObjectResolver } from 'graphql-scalars';
import { Pool, type PoolClient } from 'pg';

const pool = new Pool({
  connectionString: process.env.DATABASE_URL,
  max: Number(process.env.DB_POOL_SIZE ?? 10),
});

const typeDefs = /* GraphQL */ `
  scalar JSONObject
  type Query {
    team(id: ID!): Team!
  }
  type Mutation {
    updateItem(id: ID!, input: UpdateItemInput!, expectedVersion: Int): Item!
  }
  input UpdateItemInput {
    title: String
    content: JSONObject
  }
  type Team {
    id: ID!
    name: String!
    members: [Membership!]!
    items(first: Int, after: String): ItemConnection!
  }
  type Membership {
    role: String!
    user: User!
  }
  type User {
    id: ID!
    displayName: String!
  }
  type Item {
    id: ID!
    title: String!
    content: JSONObject
    version: Int!
    createdBy: User!
  }
  type ItemEdge {
    cursor: String!
    node: Item!
  }
  type PageInfo {
    hasNextPage: Boolean!
    endCursor: String
  }
  type ItemConnection {
    edges: [ItemEdge!]!
    pageInfo: PageInfo!
  }
`;

interface UserRow {
  id: string;
  display_name: string;
}
interface Ctx {
  viewer: UserRow | null;
  users: DataLoader<string, UserRow | null>;
}
interface TeamRow {
  id: string;
  name: string;
}
interface MembershipRow {
  role: string;
  user_id: string;
}
interface ItemRow {
  id: string;
  title: string;
  content: Record<string, unknown>;
  version: number;
  created_by_id: string;
  created_at: Date;
}

const forbidden = () => new GraphQLError('Forbidden', { extensions: { code: 'FORBIDDEN' } });

async function requireMember(db: Pool | PoolClient, teamId: string, ctx: Ctx): Promise<void> {
  if (!ctx.viewer) throw new GraphQLError('Sign in', { extensions: { code: 'UNAUTHENTICATED' } });
  const { rows } = await db.query(
    'SELECT role FROM memberships WHERE team_id = $1 AND user_id = $2',
    [teamId, ctx.viewer.id],
  );
  if (!rows.length) throw forbidden();
}

const resolvers = {
  JSONObject: JSONObjectResolver,
  Query: {
    team: async (_: unknown, args: { id: string }, ctx: Ctx) => {
      await requireMember(pool, args.id, ctx);
      const { rows } = await pool.query<TeamRow>('SELECT id, name FROM teams WHERE id = $1', [
        args.id,
      ]);
      if (!rows[0]) throw forbidden();
      return rows[0];
    },
  },
  Team: {
    members: async (team: TeamRow) => {
      const { rows } = await pool.query<MembershipRow>(
        'SELECT role, user_id FROM memberships WHERE team_id = $1 ORDER BY joined_at',
        [team.id],
      );
      return rows;
    },
    items: async (team: TeamRow, args: { first?: number | null }) => {
      const first = args.first ?? 20;
      const { rows } = await pool.query<ItemRow>(
        `SELECT id, title, content, version, created_by_id, created_at FROM items
          WHERE team_id = $1 ORDER BY created_at, id LIMIT $2`,
        [team.id, first + 1],
      );
      const edges = rows.slice(0, first).map((node) => ({
        cursor: Buffer.from(`${node.created_at.toISOString()}|${node.id}`).toString('base64url'),
        node,
      }));
      return {
        edges,
        pageInfo: { hasNextPage: rows.length > first, endCursor: edges.at(-1)?.cursor ?? null },
      };
    },
  },
  Membership: {
    user: (m: MembershipRow, _: unknown, ctx: Ctx) => ctx.users.load(m.user_id),
  },
  Item: {
    createdBy: (i: ItemRow, _: unknown, ctx: Ctx) => ctx.users.load(i.created_by_id),
  },
  User: {
    displayName: (u: UserRow) => u.display_name,
  },
  Mutation: {
    updateItem: async (
      _: unknown,
      args: {
        id: string;
        input: { title?: string | null; content?: Record<string, unknown> | null };
        expectedVersion?: number | null;
      },
      ctx: Ctx,
    ) => {
      if (!ctx.viewer)
        throw new GraphQLError('Sign in', { extensions: { code: 'UNAUTHENTICATED' } });
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const locked = await client.query<{ id: string; last_seq: number; last_hash: string }>(
          `SELECT t.id, t.last_seq, t.last_hash FROM teams t JOIN items i ON i.team_id = t.id
            WHERE i.id = $1 FOR UPDATE OF t`,
          [args.id],
        );
        const team = locked.rows[0];
        if (!team) throw forbidden();
        await requireMember(client, team.id, ctx);
        const before = await client.query<ItemRow>(
          'SELECT id, title, content, version, created_by_id, created_at FROM items WHERE id = $1',
          [args.id],
        );
        const item = before.rows[0];
        if (args.expectedVersion != null && args.expectedVersion !== item.version)
          throw new GraphQLError('Version conflict', { extensions: { code: 'CONFLICT' } });
        const { rows } = await client.query<ItemRow>(
          `UPDATE items SET title = coalesce($2, title), content = coalesce($3, content),
                  version = version + 1, updated_by_id = $4, updated_at = now()
            WHERE id = $1
        RETURNING id, title, content, version, created_by_id, created_at`,
          [args.id, args.input.title ?? null, args.input.content ?? null, ctx.viewer.id],
        );
        const seq = team.last_seq + 1;
        const createdAt = new Date();
        const row = {
          teamId: team.id,
          seq,
          actorId: ctx.viewer.id,
          action: 'ITEM_UPDATED',
          subjectType: 'Item',
          subjectId: args.id,
          // Tagged, so the benchmark's row check can tell its rows from teamgraph's.
          summary: `typical: ${ctx.viewer.display_name} updated "${rows[0].title}"`,
          details: { version: rows[0].version, changedFields: Object.keys(args.input) },
          createdAt: createdAt.toISOString(),
        };
        const hash = createHash('sha256')
          .update(team.last_hash)
          .update(canonicalize(row) ?? '')
          .digest('hex');
        await client.query(
          `INSERT INTO activities (id, team_id, seq, actor_id, action, subject_type, subject_id, summary, details, created_at, hash)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
          [
            randomUUID(),
            team.id,
            seq,
            ctx.viewer.id,
            row.action,
            row.subjectType,
            row.subjectId,
            row.summary,
            row.details,
            createdAt,
            hash,
          ],
        );
        await client.query('UPDATE teams SET last_seq = $2, last_hash = $3 WHERE id = $1', [
          team.id,
          seq,
          hash,
        ]);
        await client.query('COMMIT');
        return rows[0];
      } catch (error) {
        await client.query('ROLLBACK');
        throw error;
      } finally {
        client.release();
      }
    },
  },
};

async function viewerOf(authorization: string | undefined): Promise<UserRow | null> {
  const token = /^Bearer\s+(\S+)$/i.exec(authorization ?? '')?.[1];
  if (!token) return null;
  const { rows } = await pool.query<UserRow>(
    `SELECT u.id, u.display_name FROM sessions s JOIN users u ON u.id = s.user_id
      WHERE s.token_hash = $1 AND s.revoked_at IS NULL AND s.expires_at > now()`,
    [createHash('sha256').update(token).digest('hex')],
  );
  return rows[0] ?? null;
}

async function main(): Promise<void> {
  const apollo = new ApolloServer<Ctx>({ typeDefs, resolvers });
  await apollo.start();
  const app = express();
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.use(
    '/graphql',
    express.json({ limit: '1mb' }),
    expressMiddleware(apollo, {
      context: async ({ req }) => ({
        viewer: await viewerOf(req.headers.authorization),
        users: new DataLoader(async (ids: readonly string[]) => {
          const { rows } = await pool.query<UserRow>(
            'SELECT id, display_name FROM users WHERE id = ANY($1::uuid[])',
            [ids],
          );
          const byId = new Map(rows.map((u) => [u.id, u]));
          return ids.map((id) => byId.get(id) ?? null);
        }),
      }),
    }),
  );
  const server = http.createServer(app);
  server.listen(Number(process.env.PORT ?? 0), process.env.HOST ?? '127.0.0.1');
  process.on('SIGTERM', () => {
    server.close();
    void apollo
      .stop()
      .then(() => pool.end())
      .then(() => process.exit(0));
  });
}

void main();
