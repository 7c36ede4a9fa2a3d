/**
 * The typical-stack fan-out baseline: what most teams would write for a live team feed.
 * Apollo Server 5 (express) for HTTP, graphql-ws on the same port, graphql-subscriptions'
 * in-process PubSub. The bearer token is checked once per socket, membership once when the
 * subscription starts, and never again; graphql-ws executes the document once per subscriber
 * per event. The published payload carries the actor's name, so an event costs no SQL per
 * subscriber. Started by the benchmark runner with DATABASE_URL and PORT.
 */
import { createServer } from 'node:http';
import { ApolloServer } from '@apollo/server';
import { expressMiddleware } from '@as-integrations/express5';
import express from 'express';
import { buildSchema, GraphQLError, type GraphQLSchema } from 'graphql';
import { PubSub } from 'graphql-subscriptions';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import { poolFromEnv, sessionUser } from './sql';

const pool = poolFromEnv();
const pubsub = new PubSub();

const sdl = /* GraphQL */ `
  type Query {
    ok: Boolean!
  }
  input UpdateItemInput {
    title: String
  }
  type Item {
    id: ID!
    version: Int!
  }
  type Mutation {
    updateItem(id: ID!, input: UpdateItemInput!): Item!
  }
  type User {
    displayName: String!
  }
  type Activity {
    seq: Int!
    action: String!
    summary: String!
    createdAt: String!
    actor: User
  }
  type Subscription {
    teamActivity(teamId: ID!): Activity!
  }
`;

interface Viewer {
  userId: string;
  displayName: string;
}
interface Ctx {
  viewer: Viewer | null;
}

async function viewerOf(authorization: unknown): Promise<Viewer | null> {
  const user = await sessionUser(pool, authorization);
  return user ? { userId: user.id, displayName: user.display_name } : null;
}

async function isMember(teamId: string, userId: string): Promise<boolean> {
  const { rowCount } = await pool.query(
    `SELECT 1 FROM memberships WHERE team_id = $1 AND user_id = $2`,
    [teamId, userId],
  );
  return Boolean(rowCount);
}

const seqs = new Map<string, number>();
/** Subscriptions past their membership check (GET /subscriptions): the runner waits for all. */
let subscriptionsStarted = 0;

function wire(schema: GraphQLSchema): GraphQLSchema {
  const mutation = schema.getMutationType()?.getFields();
  const subscription = schema.getSubscriptionType()?.getFields();
  if (!mutation || !subscription) throw new Error('schema without mutation or subscription');
  mutation.updateItem.resolve = async (
    _root,
    args: { id: string; input: { title?: string } },
    ctx: Ctx,
  ) => {
    if (!ctx.viewer) throw new GraphQLError('Unauthenticated');
    const { rows } = await pool.query<{ id: string; team_id: string; version: number }>(
      `UPDATE items i SET title = coalesce($2, i.title), version = i.version + 1, updated_at = now()
        FROM memberships m
       WHERE i.id = $1 AND m.team_id = i.team_id AND m.user_id = $3
      RETURNING i.id, i.team_id, i.version`,
      [args.id, args.input.title ?? null, ctx.viewer.userId],
    );
    const item = rows[0];
    if (!item) throw new GraphQLError('Forbidden');
    const seq = (seqs.get(item.team_id) ?? 0) + 1;
    seqs.set(item.team_id, seq);
    await pubsub.publish(`team:${item.team_id}`, {
      teamActivity: {
        seq,
        action: 'ITEM_UPDATED',
        summary: `${ctx.viewer.displayName} updated "${args.input.title ?? ''}"`,
        createdAt: new Date().toISOString(),
        actor: { displayName: ctx.viewer.displayName },
      },
    });
    return { id: item.id, version: item.version };
  };
  subscription.teamActivity.subscribe = async (_root, args: { teamId: string }, ctx: Ctx) => {
    // Checked here, once; never again for this subscription.
    if (!ctx.viewer || !(await isMember(args.teamId, ctx.viewer.userId)))
      throw new GraphQLError('Forbidden');
    subscriptionsStarted += 1;
    return pubsub.asyncIterableIterator(`team:${args.teamId}`);
  };
  const query = schema.getQueryType()?.getFields();
  if (query) query.ok.resolve = () => true;
  return schema;
}

async function main(): Promise<void> {
  const schema = wire(buildSchema(sdl));
  const app = express();
  const httpServer = createServer(app);
  const wss = new WebSocketServer({
    server: httpServer,
    path: '/graphql',
    perMessageDeflate: false,
  });
  const viewers = new WeakMap<object, Viewer>();
  useServer<Record<string, unknown>>(
    {
      schema,
      onConnect: async (ctx) => {
        const viewer = await viewerOf(ctx.connectionParams?.authorization);
        if (!viewer) return false;
        viewers.set(ctx.extra.socket, viewer);
        return true;
      },
      context: (ctx): Ctx => ({ viewer: viewers.get(ctx.extra.socket) ?? null }),
    },
    wss,
  );
  const apollo = new ApolloServer<Ctx>({ schema });
  await apollo.start();
  app.get('/healthz', (_req, res) => {
    res.send('ok');
  });
  app.get('/subscriptions', (_req, res) => {
    res.json({ started: subscriptionsStarted });
  });
  app.use(
    '/graphql',
    express.json(),
    expressMiddleware(apollo, {
      context: async ({ req }) => ({ viewer: await viewerOf(req.headers.authorization) }),
    }),
  );
  httpServer.listen(Number(process.env.PORT ?? 0), process.env.HOST ?? '127.0.0.1');
  process.on('SIGTERM', () => {
    for (const socket of wss.clients) socket.terminate();
    httpServer.close(() => process.exit(0));
  });
}

void main();
