/**
 * The HTTP baseline: the least a GraphQL server can do to answer the benchmark's operations
 * from the same database. graphql-http on node:http, hand-written SQL (one query per list,
 * joins instead of loaders), no authentication, no permission layer, no logging, no publish;
 * the `…WithActivity` mutations add the team lock and the activity row in SQL.
 * Started by the benchmark runner with DATABASE_URL and PORT.
 */
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import {
  buildSchema,
  GraphQLObjectType,
  GraphQLScalarType,
  type GraphQLFieldResolver,
  type GraphQLSchema,
} from 'graphql';
import { JSONObjectResolver } from 'graphql-scalars';
import { createHandler } from 'graphql-http/lib/use/http';
import type { PoolClient } from 'pg';
import { appendActivity, inTransaction, lockTeamOfItem, poolFromEnv } from './sql';
import { TEAM_ITEMS_SDL } from './team-items-sdl';

const pool = poolFromEnv();

const sdl = /* GraphQL */ `
  type Query {
    team(id: ID!): Team
  }
  type Mutation {
    "A plain UPDATE: no lock, no activity row, no publish."
    updateItem(id: ID!, input: UpdateItemInput!): Item!
    "The same UPDATE plus what recording activity costs in SQL: team row lock, activity insert with its hash, team update."
    updateItemWithActivity(id: ID!, actorId: ID!, input: UpdateItemInput!): Item!
    "createItem's counterpart: team row lock, INSERT of the item, activity insert with its hash, team update."
    createItemWithActivity(teamId: ID!, actorId: ID!, input: UpdateItemInput!): Item!
  }
  ${TEAM_ITEMS_SDL}
`;

interface TeamRow {
  id: string;
  name: string;
}
interface ItemInput {
  title?: string | null;
  content?: Record<string, unknown> | null;
}

const itemColumns = `i.id, i.title, i.content, i.version, json_build_object('id', u.id, 'displayName', u.display_name) AS "createdBy"`;

type Resolver = GraphQLFieldResolver<unknown, unknown, Record<string, unknown>>;
const resolvers: Record<string, Record<string, Resolver>> = {
  Query: {
    team: async (_root, args) => {
      const { rows } = await pool.query<TeamRow>('SELECT id, name FROM teams WHERE id = $1', [
        args.id,
      ]);
      return rows[0] ?? null;
    },
  },
  Team: {
    members: async (team) => {
      const { rows } = await pool.query(
        `SELECT m.role, json_build_object('id', u.id, 'displayName', u.display_name) AS user
           FROM memberships m JOIN users u ON u.id = m.user_id
          WHERE m.team_id = $1 ORDER BY m.joined_at`,
        [(team as TeamRow).id],
      );
      return rows;
    },
    items: async (team, args) => {
      const first = typeof args.first === 'number' ? args.first : 20;
      const { rows } = await pool.query(
        `SELECT ${itemColumns}, i.created_at FROM items i JOIN users u ON u.id = i.created_by_id
          WHERE i.team_id = $1 ORDER BY i.created_at, i.id LIMIT $2`,
        [(team as TeamRow).id, first + 1],
      );
      const nodes = rows.slice(0, first);
      const edges = nodes.map((node) => ({
        cursor: Buffer.from(node.id).toString('base64url'),
        node,
      }));
      return {
        edges,
        pageInfo: { hasNextPage: rows.length > first, endCursor: edges.at(-1)?.cursor ?? null },
      };
    },
  },
  Mutation: {
    updateItem: async (_root, args) => {
      const input = args.input as ItemInput;
      const { rows } = await pool.query(
        `UPDATE items i SET title = coalesce($2, i.title), content = coalesce($3, i.content),
                version = i.version + 1, updated_at = now()
           FROM users u WHERE i.id = $1 AND u.id = i.created_by_id RETURNING ${itemColumns}`,
        [args.id, input.title ?? null, input.content ?? null],
      );
      return rows[0];
    },
    createItemWithActivity: (_root, args) => createItemWithActivity(args),
    updateItemWithActivity: (_root, args) =>
      inTransaction(pool, async (client) => {
        const input = args.input as ItemInput;
        const team = await lockTeamOfItem(client, args.id);
        if (!team) throw new Error(`no item ${String(args.id)}`);
        const { rows } = await client.query(
          `UPDATE items i SET title = coalesce($2, i.title), content = coalesce($3, i.content),
                  version = i.version + 1, updated_by_id = $4, updated_at = now()
             FROM users u WHERE i.id = $1 AND u.id = i.created_by_id RETURNING ${itemColumns}`,
          [args.id, input.title ?? null, input.content ?? null, args.actorId],
        );
        await recordActivity(
          client,
          { teamId: team.id, lastSeq: team.last_seq, lastHash: team.last_hash },
          {
            actorId: args.actorId as string,
            action: 'ITEM_UPDATED',
            subjectId: args.id as string,
            details: { changedFields: Object.keys(input) },
          },
        );
        return rows[0];
      }),
  },
};

/** The activity row with its chained hash and the team's new head: two statements. */
async function recordActivity(
  client: PoolClient,
  team: { teamId: string; lastSeq: number; lastHash: string },
  row: { actorId: string; action: string; subjectId: string; details: Record<string, unknown> },
): Promise<void> {
  const seq = team.lastSeq + 1;
  const createdAt = new Date();
  const hash = createHash('sha256')
    .update(team.lastHash)
    .update(JSON.stringify({ teamId: team.teamId, seq, details: row.details, createdAt }))
    .digest('hex');
  await appendActivity(client, {
    ...row,
    teamId: team.teamId,
    seq,
    subjectType: 'Item',
    summary: 'changed an item',
    createdAt,
    hash,
  });
}

function createItemWithActivity(args: Record<string, unknown>): Promise<unknown> {
  return inTransaction(pool, async (client) => {
    const input = args.input as ItemInput;
    const team = await client.query<{ last_seq: number; last_hash: string }>(
      'SELECT last_seq, last_hash FROM teams WHERE id = $1 FOR UPDATE',
      [args.teamId],
    );
    const { rows } = await client.query(
      `WITH i AS (
         INSERT INTO items (team_id, title, content, version, created_by_id, updated_by_id)
         VALUES ($1, $2, coalesce($3, '{}'::jsonb), 1, $4, $4) RETURNING *)
       SELECT ${itemColumns} FROM i JOIN users u ON u.id = i.created_by_id`,
      [args.teamId, input.title ?? 'Untitled', input.content ?? null, args.actorId],
    );
    await recordActivity(
      client,
      {
        teamId: args.teamId as string,
        lastSeq: team.rows[0].last_seq,
        lastHash: team.rows[0].last_hash,
      },
      {
        actorId: args.actorId as string,
        action: 'ITEM_CREATED',
        subjectId: rows[0].id as string,
        details: { title: input.title },
      },
    );
    return rows[0];
  });
}

function executableSchema(): GraphQLSchema {
  const schema = buildSchema(sdl);
  for (const [typeName, fields] of Object.entries(resolvers)) {
    const type = schema.getType(typeName) as GraphQLObjectType;
    for (const [fieldName, resolve] of Object.entries(fields))
      type.getFields()[fieldName].resolve = resolve;
  }
  Object.assign(schema.getType('JSONObject') as GraphQLScalarType, {
    serialize: JSONObjectResolver.serialize,
    parseValue: JSONObjectResolver.parseValue,
    parseLiteral: JSONObjectResolver.parseLiteral,
  });
  return schema;
}

const handler = createHandler({ schema: executableSchema() });
const server = createServer((req, res) => {
  if (req.url === '/healthz') {
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
    return;
  }
  if (req.url?.startsWith('/graphql')) {
    handler(req, res).catch((error: unknown) => {
      res.writeHead(500).end(String(error));
    });
    return;
  }
  res.writeHead(404).end();
});
server.listen(Number(process.env.PORT ?? 0), process.env.HOST ?? '127.0.0.1');
process.on('SIGTERM', () => {
  server.close();
  void pool.end().then(() => process.exit(0));
});
