import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import path from 'node:path';
import { promisify } from 'node:util';
import { isSpanContextValid, ProxyTracerProvider, trace } from '@opentelemetry/api';
import { Client } from 'pg';
import { startTracing } from '../src/tracing/start-tracing';
import { tracingSettings } from '../src/tracing/tracing-settings';
import { buildTeam, addMember } from './factories/team.factory';
import { buildUser, STRONG_PASSWORD, type TestUser } from './factories/user.factory';
import { tempBackupDir, testKey } from './support/backup-fixtures';
import { OtlpReceiver, type ReceivedSpan } from './support/otlp-receiver';
import { describeWithRedis, requiredRedisUrl } from './support/redis-available';
import { remoteApp } from './support/remote-app';
import { createScratchDatabase } from './support/scratch-database';
import { startServerProcess, type ServerProcess } from './support/server-process';
import type { TestApp } from './support/test-app';
import { TwoInstances } from './support/two-instances';
import { waitUntil } from './support/wait-until';
import { connectLive, subscribe, TEAM_ACTIVITY } from './support/ws-client';

/**
 * Traces (docs/operations.md, "Traces"): real server processes export to a local OTLP/HTTP
 * receiver, and the span trees they send are checked by their parent links.
 */
const SERVER = 2;
const CLIENT = 3;
const PRODUCER = 4;
const CONSUMER = 5;

/** Export within a few milliseconds of a span's end, so the tests wait on spans, not time. */
const tracingEnv = (receiver: OtlpReceiver) => ({
  OTEL_TRACES_EXPORTER: 'otlp',
  OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
  OTEL_BSP_SCHEDULE_DELAY: '20',
  OTEL_SERVICE_NAME: 'teamgraph-traced',
});

/** The operator command line, run from its sources. */
const CLI = path.join(__dirname, '..', 'src', 'cli', 'teamgraph.ts');

const TEAM_NAME_QUERY = `query TracedTeam($id: ID!) { team(id: $id) { name } }`;
const CREATE_ITEM = `mutation TracedCreate($teamId: ID!, $input: CreateItemInput!) {
  createItem(teamId: $teamId, input: $input) { id title }
}`;

/** A value that must never reach an exported span. */
const secret = (label: string) => `${label}-${randomBytes(6).toString('hex')}`;

const isSql = (span: ReceivedSpan) =>
  span.kind === CLIENT && typeof span.attributes['db.query.text'] === 'string';

/** Waits for the one span `find` returns; fails naming what was received. */
async function spanOf(
  receiver: OtlpReceiver,
  what: string,
  find: () => ReceivedSpan | undefined,
): Promise<ReceivedSpan> {
  await waitUntil(
    () => find() !== undefined,
    () => `${what}; received: ${[...new Set(receiver.spans.map((s) => s.name))].join(', ')}`,
  );
  return find()!;
}

/** No exported byte holds any of `values` (variables, passwords, addresses, SQL values). */
function expectNowhere(receiver: OtlpReceiver, values: string[]): void {
  const exported = receiver.bodies.join('\n');
  for (const value of values) expect(exported).not.toContain(value);
}

describe('traces of one instance', () => {
  let receiver: OtlpReceiver;
  let server: ServerProcess | undefined;
  let database: Awaited<ReturnType<typeof createScratchDatabase>>;
  let db: Client;
  let app: TestApp;
  let owner: TestUser;
  let teamId: string;
  const password = `${STRONG_PASSWORD}${randomBytes(3).toString('hex')}`;

  beforeAll(async () => {
    receiver = await OtlpReceiver.start();
    database = await createScratchDatabase();
    db = new Client({ connectionString: database.url });
    await db.connect();
    server = await startServerProcess({ DATABASE_URL: database.url, ...tracingEnv(receiver) });
    app = remoteApp(server, db);
    owner = await buildUser(app, { password });
    teamId = (await buildTeam(app, owner, secret('team'))).id;
  }, 60_000);

  afterAll(async () => {
    await server?.stop();
    await db?.end();
    await database?.drop();
    await receiver?.stop();
  });

  it('says at start that tracing is on, and names the service', async () => {
    const started = server!.logEntries().find((line) => line.event === 'tracing.started');
    expect(started).toMatchObject({ exporter: 'otlp' });
    const any = await spanOf(receiver, 'any span', () => receiver.spans[0]);
    expect(any.resource['service.name']).toBe('teamgraph-traced');
  });

  it('a query over HTTP: the request, then parse, validate and execute (name, type), its SQL under the execution', async () => {
    const response = await app.gql(TEAM_NAME_QUERY, { id: teamId }, owner.token);
    expect(response.errors).toBeUndefined();
    const execute = await spanOf(
      receiver,
      'the query execution',
      () =>
        receiver.named(
          'graphql.execute',
          (s) => s.attributes['graphql.operation.name'] === 'TracedTeam',
        )[0],
    );
    expect(execute.attributes['graphql.operation.type']).toBe('query');
    const [request] = receiver.ancestorsOf(execute);
    expect(request).toMatchObject({ kind: SERVER, parentSpanId: '' });
    expect(request.attributes).toMatchObject({
      'http.request.method': 'POST',
      'url.path': '/graphql',
      'graphql.operation.name': 'TracedTeam',
    });
    await waitUntil(
      () => receiver.childrenOf(request).filter((s) => s.name.startsWith('graphql.')).length === 3,
      'parse and validate beside the execution',
    );
    expect(
      receiver
        .childrenOf(request)
        .map((s) => s.name)
        .filter((name) => name.startsWith('graphql.'))
        .sort(),
    ).toEqual(['graphql.execute', 'graphql.parse', 'graphql.validate']);
    // The team's read (and the permission rule's) run inside the execution.
    await waitUntil(
      () => receiver.spans.some((s) => isSql(s) && receiver.ancestorsOf(s).includes(execute)),
      'SQL under the execution',
    );
    // The variable (the team's id) is in no span of the request's trace.
    const trace = receiver.spans.filter((s) => s.traceId === execute.traceId);
    expect(JSON.stringify(trace.map((s) => s.attributes))).not.toContain(teamId);
  });

  it('a mutation over HTTP: its SQL (parameterised) and its publish under the execution; no value anywhere', async () => {
    const title = secret('title');
    const body = secret('body');
    const response = await app.gql(
      CREATE_ITEM,
      { teamId, input: { title, content: { body } } },
      owner.token,
    );
    expect(response.errors).toBeUndefined();
    const execute = await spanOf(
      receiver,
      'the mutation execution',
      () =>
        receiver.named(
          'graphql.execute',
          (s) => s.attributes['graphql.operation.name'] === 'TracedCreate',
        )[0],
    );
    expect(execute.attributes['graphql.operation.type']).toBe('mutation');
    const under = () => receiver.spans.filter((s) => receiver.ancestorsOf(s).includes(execute));
    const insert = await spanOf(receiver, 'the item INSERT under the mutation', () =>
      under().find(
        (s) => isSql(s) && /insert\s+into\s+"?items"?/i.test(String(s.attributes['db.query.text'])),
      ),
    );
    // The statement as sent, its values as placeholders.
    expect(insert.attributes['db.query.text']).toMatch(/\$1/);
    expect(insert.attributes['db.system.name'] ?? insert.attributes['db.system']).toBe(
      'postgresql',
    );
    const publish = await spanOf(receiver, 'the publish under the mutation', () =>
      under().find((s) => s.name === 'events.publish'),
    );
    expect(publish.kind).toBe(PRODUCER);
    expect(publish.attributes['teamgraph.bus.transport']).toBe('memory');
    expect(typeof publish.attributes['teamgraph.instance.id']).toBe('string');
    // Nothing the client sent: not the item, not the sign-up's password, address or token.
    expectNowhere(receiver, [title, body, password, owner.email, owner.token]);
    // No statement's values as attributes, whatever their name.
    const sql = receiver.spans.filter(isSql);
    expect(sql.length).toBeGreaterThan(5);
    for (const span of sql) {
      const keys = Object.keys(span.attributes);
      expect(keys.filter((key) => /values|parameter/i.test(key))).toEqual([]);
    }
  });

  it('a GET operation keeps its path, never its query string', async () => {
    const marker = secret('get');
    const query = encodeURIComponent(`query TracedGet { me { id } }`);
    const variables = encodeURIComponent(JSON.stringify({ marker }));
    await fetch(`${server!.url}?query=${query}&variables=${variables}`, {
      headers: { 'apollo-require-preflight': 'true', authorization: `Bearer ${owner.token}` },
    });
    const request = await spanOf(receiver, 'the GET request', () =>
      receiver.spans.find(
        (s) => s.kind === SERVER && s.attributes['http.request.method'] === 'GET',
      ),
    );
    expect(request.attributes['url.path']).toBe('/graphql');
    expect(request.attributes['url.query']).toBe('REDACTED');
    expectNowhere(receiver, [marker]);
  });

  it('an operation over WebSocket: one operation span with the same parse, validate and execute', async () => {
    const live = await connectLive(app, owner.token);
    try {
      const feed = subscribe(live, `query TracedSocket($id: ID!) { team(id: $id) { name } }`, {
        id: teamId,
      });
      await feed.until((f) => f.completed);
      expect(feed.results[0]?.errors).toBeUndefined();
    } finally {
      await live.dispose();
    }
    const operation = await spanOf(
      receiver,
      'the socket operation',
      () =>
        receiver.named(
          'graphql.operation',
          (s) => s.attributes['graphql.operation.name'] === 'TracedSocket',
        )[0],
    );
    expect(operation).toMatchObject({ kind: SERVER, parentSpanId: '' });
    expect(operation.attributes['graphql.operation.type']).toBe('query');
    await waitUntil(
      () => receiver.childrenOf(operation).length >= 3,
      'the socket operation children',
    );
    expect(
      receiver
        .childrenOf(operation)
        .map((s) => s.name)
        .sort(),
    ).toEqual(['graphql.execute', 'graphql.parse', 'graphql.validate']);
    const execute = receiver.childrenOf(operation).find((s) => s.name === 'graphql.execute')!;
    await waitUntil(
      () => receiver.spans.some((s) => isSql(s) && receiver.ancestorsOf(s).includes(execute)),
      'SQL under the socket execution',
    );
  });
  it('a backup: the run and its phases, each table under the copy, the catalog reads under the preparation', async () => {
    const storage = tempBackupDir();
    try {
      await promisify(execFile)(
        process.execPath,
        ['-r', path.join(__dirname, 'support', 'swc-register.cjs'), CLI, 'backup', 'run'],
        {
          env: {
            PATH: process.env.PATH ?? '',
            NODE_ENV: 'test',
            LOG_LEVEL: 'silent',
            DATABASE_URL: database.url,
            BACKUP_DIR: storage.dir,
            BACKUP_ENCRYPTION_KEY: testKey().toString('base64'),
            ...tracingEnv(receiver),
          },
        },
      );
    } finally {
      storage.remove();
    }
    // The command exports its spans before it exits: they are all here already.
    const [run] = receiver.named('backup.run');
    expect(run).toMatchObject({ parentSpanId: '' });
    expect(run.attributes['teamgraph.backup.tiers']).toEqual(['daily']);
    const phases = receiver.childrenOf(run).map((s) => s.name);
    expect(phases).toEqual(
      expect.arrayContaining(['backup.prepare', 'backup.copy', 'backup.commit']),
    );
    const copy = receiver.childrenOf(run).find((s) => s.name === 'backup.copy')!;
    const tables = receiver.childrenOf(copy).filter((s) => s.name === 'backup.table');
    expect(tables.length).toBe(copy.attributes['teamgraph.backup.tables']);
    expect(tables.map((s) => s.attributes['db.collection.name'])).toContain('items');
    // The catalog reads under the preparation (a table's COPY streams outside the pg
    // instrumentation: its span times it).
    const prepare = receiver.childrenOf(run).find((s) => s.name === 'backup.prepare')!;
    expect(receiver.childrenOf(prepare).filter(isSql).length).toBeGreaterThan(2);
  });
  it('a stop exports the spans still queued before the process exits', async () => {
    // Batches would wait a minute: only the stop can send this one.
    const patient = await startServerProcess({
      DATABASE_URL: database.url,
      ...tracingEnv(receiver),
      OTEL_BSP_SCHEDULE_DELAY: '60000',
      OTEL_SERVICE_NAME: 'teamgraph-stopping',
    });
    try {
      const response = await remoteApp(patient, db).gql(
        TEAM_NAME_QUERY,
        { id: teamId },
        owner.token,
      );
      expect(response.errors).toBeUndefined();
      expect(receiver.spans.some((s) => s.resource['service.name'] === 'teamgraph-stopping')).toBe(
        false,
      );
    } finally {
      await patient.stop();
    }
    expect(
      receiver.named('graphql.execute', (s) => s.resource['service.name'] === 'teamgraph-stopping'),
    ).toHaveLength(1);
  });
  it('an unreachable collector costs dropped spans and a warning, never an answer', async () => {
    const gone = await OtlpReceiver.start();
    await gone.stop();
    const lonely = await startServerProcess({
      DATABASE_URL: database.url,
      ...tracingEnv(gone),
      OTEL_EXPORTER_OTLP_TIMEOUT: '500',
    });
    try {
      const response = await remoteApp(lonely, db).gql(
        TEAM_NAME_QUERY,
        { id: teamId },
        owner.token,
      );
      expect(response.errors).toBeUndefined();
      await waitUntil(
        () => lonely.logEntries().some((line) => line.event === 'tracing.problem'),
        'a tracing.problem line',
        30_000,
      );
      const problem = lonely.logEntries().find((line) => line.event === 'tracing.problem')!;
      expect(problem.level).toBe(40);
      expect(JSON.stringify(problem)).not.toContain(owner.token);
    } finally {
      await lonely.stop();
    }
  }, 60_000);
});

describe('tracing off (the default)', () => {
  let receiver: OtlpReceiver;
  let server: ServerProcess | undefined;
  let database: Awaited<ReturnType<typeof createScratchDatabase>>;
  let db: Client;

  beforeAll(async () => {
    receiver = await OtlpReceiver.start();
    database = await createScratchDatabase();
    db = new Client({ connectionString: database.url });
    await db.connect();
    // An endpoint is set, but no exporter is named: nothing is started.
    server = await startServerProcess({
      DATABASE_URL: database.url,
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
      OTEL_BSP_SCHEDULE_DELAY: '20',
    });
  }, 60_000);

  afterAll(async () => {
    await server?.stop();
    await db?.end();
    await database?.drop();
    await receiver?.stop();
  });

  it('sends nothing and says nothing of tracing, through a mutation and a stop', async () => {
    const app = remoteApp(server!, db);
    const owner = await buildUser(app);
    await buildTeam(app, owner);
    // What the exporter would have sent by now is flushed at the stop, if anything were queued.
    await server!.stop();
    expect(server!.logEntries().some((line) => line.event === 'tracing.started')).toBe(false);
    expect(receiver.bodies).toEqual([]);
  });
});

describe('tracing on, nothing sampled (OTEL_TRACES_SAMPLER=always_off)', () => {
  let receiver: OtlpReceiver;
  let server: ServerProcess | undefined;
  let database: Awaited<ReturnType<typeof createScratchDatabase>>;
  let db: Client;

  beforeAll(async () => {
    receiver = await OtlpReceiver.start();
    database = await createScratchDatabase();
    db = new Client({ connectionString: database.url });
    await db.connect();
    server = await startServerProcess({
      DATABASE_URL: database.url,
      ...tracingEnv(receiver),
      OTEL_TRACES_SAMPLER: 'always_off',
    });
  }, 60_000);

  afterAll(async () => {
    await server?.stop();
    await db?.end();
    await database?.drop();
    await receiver?.stop();
  });

  it('answers over HTTP and the socket, delivers live, and exports nothing, through a stop', async () => {
    const app = remoteApp(server!, db);
    const team = await buildTeam(app);
    const member = await addMember(app, team, 'MEMBER');
    const live = await connectLive(app, member.token);
    try {
      const query = subscribe(live, TEAM_NAME_QUERY, { id: team.id });
      await query.until((f) => f.completed);
      expect(query.results[0]?.errors).toBeUndefined();
      const feed = subscribe(live, TEAM_ACTIVITY, { teamId: team.id, afterSeq: 0 });
      await feed.until((f) => f.values('teamActivity').length >= 1, 10_000, 'the creation row');
      const response = await app.gql(
        CREATE_ITEM,
        { teamId: team.id, input: { title: 'unsampled' } },
        team.owner.token,
      );
      expect(response.errors).toBeUndefined();
      await feed.until(
        (f) =>
          f.values<{ action: string }>('teamActivity').some((r) => r.action === 'ITEM_CREATED'),
        10_000,
        'the item row, live',
      );
    } finally {
      await live.dispose();
    }
    // What the exporter would have sent by now is flushed at the stop, if anything were queued.
    await server!.stop();
    expect(server!.logEntries().find((line) => line.event === 'tracing.started')).toBeDefined();
    expect(receiver.bodies).toEqual([]);
  });
});

describeWithRedis('tracing', 'traces across two instances', () => {
  let receiver: OtlpReceiver;
  let instances: TwoInstances | undefined;

  beforeAll(async () => {
    receiver = await OtlpReceiver.start();
    instances = await TwoInstances.start({
      REDIS_URL: requiredRedisUrl(),
      ...tracingEnv(receiver),
    });
  }, 90_000);

  afterAll(async () => {
    await instances?.stop();
    await receiver?.stop();
  });

  it("the other instance's delivery spans share the mutation's trace and descend from its publish", async () => {
    const { a, b } = instances!;
    const team = await buildTeam(a);
    const member = await addMember(a, team, 'MEMBER');
    const socket = await instances!.open(b, member.token);
    const feed = subscribe(socket, TEAM_ACTIVITY, { teamId: team.id, afterSeq: 0 });
    // Caught up (the team's creation row): from here on rows arrive live.
    await feed.until((f) => f.values('teamActivity').length >= 1, 10_000, 'the creation row');
    const title = secret('title');
    await a.gql(CREATE_ITEM, { teamId: team.id, input: { title } }, team.owner.token);
    await feed.until(
      (f) => f.values<{ action: string }>('teamActivity').some((r) => r.action === 'ITEM_CREATED'),
      10_000,
      'the item row on the other instance',
    );

    const execute = await spanOf(
      receiver,
      'the mutation execution',
      () =>
        receiver.named(
          'graphql.execute',
          (s) => s.attributes['graphql.operation.name'] === 'TracedCreate',
        )[0],
    );
    const publish = await spanOf(
      receiver,
      'its publish',
      () => receiver.named('events.publish', (s) => s.traceId === execute.traceId)[0],
    );
    expect(publish.attributes['teamgraph.bus.transport']).toBe('redis');
    expect(receiver.ancestorsOf(publish)).toContainEqual(execute);
    const publisher = publish.attributes['teamgraph.instance.id'];

    const deliver = await spanOf(
      receiver,
      'the delivery on the other instance',
      () => receiver.named('live.deliver', (s) => s.traceId === execute.traceId)[0],
    );
    expect(deliver.kind).toBe(CONSUMER);
    expect(deliver.parentSpanId).toBe(publish.spanId);
    expect(deliver.attributes['teamgraph.instance.id']).not.toBe(publisher);
    expect(deliver.attributes['teamgraph.team.id']).toBe(team.id);
    expect(deliver.resource['service.name']).toBe('teamgraph-traced');
    // The feed was idle at the previous row: its audience delivers, in three steps, each
    // on the delivering instance.
    expect(deliver.attributes['teamgraph.live.path']).toBe('audience');
    await waitUntil(
      () => receiver.childrenOf(deliver).length >= 3,
      'the check, the execute and the write',
    );
    const steps = receiver.childrenOf(deliver);
    expect(steps.map((s) => s.name).sort()).toEqual(['live.check', 'live.execute', 'live.write']);
    for (const step of steps)
      expect(step.attributes['teamgraph.instance.id']).toBe(
        deliver.attributes['teamgraph.instance.id'],
      );
    const check = steps.find((s) => s.name === 'live.check')!;
    await waitUntil(
      () => receiver.spans.some((s) => isSql(s) && s.parentSpanId === check.spanId),
      'the check statement',
    );
    expectNowhere(receiver, [title, STRONG_PASSWORD, member.email, team.owner.email]);
  });

  it('a mutation whose caller did not sample it: no span of it anywhere, its delivery on the other instance unsampled too', async () => {
    const { a, b, servers } = instances!;
    const team = await buildTeam(a);
    const member = await addMember(a, team, 'MEMBER');
    const socket = await instances!.open(b, member.token);
    const feed = subscribe(socket, TEAM_ACTIVITY, { teamId: team.id, afterSeq: 0 });
    await feed.until((f) => f.values('teamActivity').length >= 1, 10_000, 'the creation row');
    const created = () =>
      feed.values<{ action: string }>('teamActivity').filter((r) => r.action === 'ITEM_CREATED');
    const unsampledTrace = randomBytes(16).toString('hex');
    const response = await fetch(servers[0].url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${team.owner.token}`,
        traceparent: `00-${unsampledTrace}-${randomBytes(8).toString('hex')}-00`,
      },
      body: JSON.stringify({
        query: CREATE_ITEM,
        variables: { teamId: team.id, input: { title: 'unsampled' } },
      }),
    });
    expect(((await response.json()) as { errors?: unknown }).errors).toBeUndefined();
    await feed.until(
      () => created().length === 1,
      10_000,
      'the unsampled item on the other instance',
    );
    // A sampled mutation behind it: once its delivery's span is here, the first one's would be.
    await a.gql(CREATE_ITEM, { teamId: team.id, input: { title: 'sampled' } }, team.owner.token);
    await feed.until(() => created().length === 2, 10_000, 'the sampled item');
    const deliveries = () =>
      receiver.named('live.deliver', (s) => s.attributes['teamgraph.team.id'] === team.id);
    const underPublish = (deliver: ReceivedSpan) =>
      receiver.spans.some((s) => s.spanId === deliver.parentSpanId && s.name === 'events.publish');
    await waitUntil(() => deliveries().some(underPublish), 'the sampled delivery');
    expect(receiver.spans.filter((s) => s.traceId === unsampledTrace)).toEqual([]);
    // Had the envelope not said "unsampled", the other instance would have started a trace.
    expect(deliveries()).toHaveLength(1);
  });
});

describe('tracing settings', () => {
  it('registers nothing while no exporter is named, whatever else is set', () => {
    const env = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318', OTEL_SERVICE_NAME: 'x' };
    expect(startTracing(env)).toBeNull();
    expect(startTracing({ ...env, OTEL_TRACES_EXPORTER: 'none' })).toBeNull();
    expect(
      startTracing({ ...env, OTEL_TRACES_EXPORTER: 'otlp', OTEL_SDK_DISABLED: 'true' }),
    ).toBeNull();
    // The API's no-op: no provider, no context manager, no patched http.
    const span = trace.getTracer('probe').startSpan('probe');
    expect(span.isRecording()).toBe(false);
    expect(isSpanContextValid(span.spanContext())).toBe(false);
    span.end();
    expect(trace.getTracerProvider()).toBeInstanceOf(ProxyTracerProvider);
    expect((trace.getTracerProvider() as ProxyTracerProvider).getDelegate().constructor.name).toBe(
      'NoopTracerProvider',
    );
    expect('__wrapped' in http.Server.prototype.emit).toBe(false);
  });

  it('off, the SDK and its instrumentations are not even loaded; on, they are', async () => {
    const loaded = async (env: Record<string, string>) => {
      const probe = `require(${JSON.stringify(path.join(__dirname, '..', 'src', 'tracing', 'start-first.ts'))});
        process.stdout.write(JSON.stringify(Object.keys(require.cache).filter((file) =>
          /@opentelemetry[\\/](sdk-trace-node|instrumentation-http|instrumentation-pg)[\\/]/.test(file)).length));`;
      const { stdout } = await promisify(execFile)(
        process.execPath,
        ['-r', path.join(__dirname, 'support', 'swc-register.cjs'), '-e', probe],
        { env: { PATH: process.env.PATH ?? '', ...env } },
      );
      return Number(stdout);
    };
    expect(await loaded({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318' })).toBe(0);
    expect(await loaded({ OTEL_TRACES_EXPORTER: 'console' })).toBeGreaterThan(0);
  });

  it.each([
    [{ OTEL_TRACES_EXPORTER: 'zipkin' }, 'OTEL_TRACES_EXPORTER'],
    [{ OTEL_TRACES_EXPORTER: 'otlp,console' }, 'OTEL_TRACES_EXPORTER'],
    [{ OTEL_TRACES_EXPORTER: 'otlp', OTEL_TRACES_SAMPLER: 'sometimes' }, 'OTEL_TRACES_SAMPLER'],
    [
      {
        OTEL_TRACES_EXPORTER: 'otlp',
        OTEL_TRACES_SAMPLER: 'traceidratio',
        OTEL_TRACES_SAMPLER_ARG: '2',
      },
      'OTEL_TRACES_SAMPLER_ARG',
    ],
    [
      { OTEL_TRACES_EXPORTER: 'otlp', OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' },
      'OTEL_EXPORTER_OTLP_PROTOCOL',
    ],
    [
      { OTEL_TRACES_EXPORTER: 'otlp', OTEL_EXPORTER_OTLP_ENDPOINT: 'not a url' },
      'OTEL_EXPORTER_OTLP_ENDPOINT',
    ],
  ])('refuses %j, naming %s', (env, variable) => {
    expect(() => tracingSettings(env)).toThrow(variable);
  });

  it('a server refused its settings stops at start, naming the variable', async () => {
    await expect(
      startServerProcess({
        DATABASE_URL: 'postgres://127.0.0.1:1/none',
        OTEL_TRACES_EXPORTER: 'zipkin',
      }),
    ).rejects.toThrow(/exited with 2[\s\S]*OTEL_TRACES_EXPORTER/);
  });
});
