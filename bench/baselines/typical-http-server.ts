/**
 * The typical server: what a team writes in an afternoon on the same data. Apollo Server 5 on
 * express with SDL resolvers, a bearer-token session read per request, a per-request
 * DataLoader for users, one membership check per operation, and `updateItem` with the same
 * team lock, version bump and hash-chained activity row as teamgraph in one transaction. No
 * permission layer, no logging, no publish. Started by the benchmark runner with
 * DATABASE_URL and PORT.
 */
import { createHash } from 'node:crypto';
import http from 'node:http';
import { ApolloServer } from '@apollo/server';
import { expressMiddleware } from '@as-integrations/express5';
import canonicalize from 'canonicalize';
import DataLoader from 'dataloader';
import express from 'express';
import { GraphQLError } from 'graphql';
import { JSONObjectResolver } from 'graphql-scalars';
import type { Pool, PoolClient } from 'pg';
import {
  appendActivity,
  inTransaction,
  lockTeamOfItem,
  poolFromEnv,
  sessionUser,
  type SessionUser,
} from './sql';
import { TEAM_ITEMS_SDL } from './team-items-sdl';

const pool = poolFromEnv();

const typeDefs = /* GraphQL */ `
  type Query {
    team(id: ID!): Team!
  }
  type Mutation {
    updateItem(id: ID!, input: UpdateItemInput!, expectedVersion: Int): Item!
  }
  ${TEAM_ITEMS_SDL}
`;

type UserRow = SessionUser;
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
      const viewer = ctx.viewer;
      return inTransaction(pool, async (client) => {
        const team = await lockTeamOfItem(client, args.id);
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
          [args.id, args.input.title ?? null, args.input.content ?? null, viewer.id],
        );
        const seq = team.last_seq + 1;
        const createdAt = new Date();
        const row = {
          teamId: team.id,
          seq,
          actorId: viewer.id,
          action: 'ITEM_UPDATED',
          subjectType: 'Item',
          subjectId: args.id,
          // Tagged, so the benchmark's row check can tell its rows from teamgraph's.
          summary: `typical: ${viewer.display_name} updated "${rows[0].title}"`,
          details: { version: rows[0].version, changedFields: Object.keys(args.input) },
          createdAt: createdAt.toISOString(),
        };
        const hash = createHash('sha256')
          .update(team.last_hash)
          .update(canonicalize(row) ?? '')
          .digest('hex');
        await appendActivity(client, { ...row, createdAt, hash });
        return rows[0];
      });
    },
  },
};

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
        viewer: await sessionUser(pool, req.headers.authorization),
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
