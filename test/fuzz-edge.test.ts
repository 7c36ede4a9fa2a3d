import fc from 'fast-check';
import { isScalarType } from 'graphql';
import { buildSchema } from '../src/server/graphql/build-schema';
import { dataFingerprint } from './support/counts';
import { RawSocket, type SocketMessage } from './support/raw-socket';
import { startTestApp, type TestApp } from './support/test-app';
import { buildFixture, resolveRefs, type Fixture } from './fuzz/fixture';
import {
  hostileFor,
  hostileString,
  inputTypesOf,
  SCALAR_GENERATORS,
  wrongType,
} from './fuzz/hostile-values';
import { fuzzRuns, fuzzSeed } from './fuzz/fuzz-runs';
import { PLAUSIBLE } from './fuzz/plausible-values';
import { argumentSites, documentFor, VIA, type ArgumentSite } from './fuzz/schema-sites';

/**
 * Invariant I1 proved by generated input: every argument of every operation (the schema is
 * walked, not listed), given hostile values over HTTP and WebSocket, is answered with a
 * contract error or a success — never INTERNAL_SERVER_ERROR, never a 5xx, never a socket
 * closed as a server error — and a refused mutation changes no row. Seeded; FUZZ_RUNS (runs
 * per site, default 5) and FUZZ_SEED make `npm run fuzz` a longer run.
 */
const RUNS = fuzzRuns(5);
const { seed: SEED } = fuzzSeed(1111);
const schema = buildSchema();
const sites = argumentSites(schema);

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(() => app.stop());

describe('the generators cover the schema', () => {
  it('finds the operations by walking the schema', () => {
    expect(sites.some((s) => s.key === 'Mutation.createItem')).toBe(true);
    expect(sites.some((s) => s.key === 'Subscription.teamActivity')).toBe(true);
    expect(sites.some((s) => s.key === 'Team.activity')).toBe(true);
  });

  it('has a plausible value for every argument, a route to every nested site and a generator for every input type', () => {
    const missing: string[] = [];
    for (const site of sites) {
      if (
        site.key.split('.')[0] !== 'Query' &&
        !['Mutation', 'Subscription'].includes(site.key.split('.')[0]) &&
        !VIA[site.key.split('.')[0]]
      ) {
        missing.push(`route to ${site.key} (VIA in test/fuzz/schema-sites.ts)`);
      }
      for (const arg of site.field.args) {
        if (!PLAUSIBLE[`${site.key}.${arg.name}`])
          missing.push(`plausible ${site.key}.${arg.name}`);
        for (const name of inputTypesOf(arg.type)) {
          const type = schema.getType(name);
          if (type && isScalarType(type) && !SCALAR_GENERATORS[name])
            missing.push(`generator for scalar ${name}`);
        }
        expect(() => hostileFor(arg.type)).not.toThrow();
      }
    }
    const known = new Set(sites.flatMap((s) => s.field.args.map((a) => `${s.key}.${a.name}`)));
    const stale = Object.keys(PLAUSIBLE).filter((key) => !known.has(key));
    expect({ missing, stale }).toEqual({ missing: [], stale: [] });
  });
});

/** A generated call: for each argument a hostile value or the plausible one (at least one hostile). */
const callFor = (site: ArgumentSite) =>
  fc
    .tuple(
      fc.tuple(
        ...site.field.args.map((arg) =>
          fc
            .option(hostileFor(arg.type), { nil: undefined, freq: 3 })
            .map((v) => ({ hostile: true as boolean, v })),
        ),
      ),
      fc.nat(site.field.args.length - 1),
      fc.constantFrom<'http' | 'ws'>('http', 'ws'),
      fc.boolean(),
    )
    .map(([values, forced, transport, plausibleOthers]) => ({
      args: values.map((value, i) =>
        i !== forced && plausibleOthers ? { hostile: false, v: undefined } : value,
      ),
      transport: site.operation === 'subscription' ? ('ws' as const) : transport,
    }));

interface Outcome {
  status: number;
  errors: { extensions?: { code?: unknown } }[];
  refused: boolean;
  socketClose: number | null;
}

async function overHttp(
  document: string,
  variables: Record<string, unknown>,
  token: string,
  field: string,
): Promise<Outcome> {
  const response = await fetch(app.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query: document, variables }),
  });
  const text = await response.text();
  let body: { data?: Record<string, unknown> | null; errors?: Outcome['errors'] } = {};
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    body = {
      errors: [
        { extensions: { code: `unparsable body (${response.status}): ${text.slice(0, 80)}` } },
      ],
    };
  }
  return {
    status: response.status,
    errors: body.errors ?? [],
    refused: body.data?.[field] == null,
    socketClose: null,
  };
}

async function overSocket(
  site: ArgumentSite,
  document: string,
  variables: Record<string, unknown>,
  token: string,
  field: string,
): Promise<Outcome> {
  const socket = await RawSocket.open(app.wsUrl, { token });
  try {
    // An accepted live feed sends nothing until an event: its silence is the bound, not a refusal.
    const outcome = await socket.run(
      '1',
      { query: document, variables },
      {
        stopAfterFirst: true,
        acceptSilenceAfterMs: site.operation === 'subscription' ? 1_500 : undefined,
      },
    );
    const errors = outcome.messages.flatMap((m: SocketMessage) => {
      const payload = m.payload as
        { errors?: Outcome['errors']; data?: Record<string, unknown> } | Outcome['errors'];
      return Array.isArray(payload) ? payload : (payload?.errors ?? []);
    });
    const data = outcome.messages.find((m) => m.type === 'next')?.payload as
      { data?: Record<string, unknown> } | undefined;
    return {
      status: 200,
      errors,
      refused: data?.data?.[field] == null,
      socketClose: outcome.closed?.code ?? null,
    };
  } finally {
    await socket.close();
  }
}

describe.each(sites.map((site) => [site.key, site] as const))(
  '%s with generated hostile arguments',
  (_key, site) => {
    it('never answers a server error, and a refused mutation changes nothing', async () => {
      let fixture: Fixture | null = null;
      const document = documentFor(site);
      await fc.assert(
        fc.asyncProperty(callFor(site), async (call) => {
          fixture ??= await buildFixture(app);
          const current: Fixture = fixture;
          const variables: Record<string, unknown> = {};
          site.field.args.forEach((arg, i) => {
            const choice = call.args[i];
            const value = choice.hostile
              ? resolveRefs(choice.v, current)
              : PLAUSIBLE[`${site.key}.${arg.name}`](current);
            if (value !== undefined) variables[`a${i}`] = value;
          });
          if (site.via) variables.via = site.via.value(current);
          const before = site.operation === 'mutation' ? await dataFingerprint(app) : null;
          const field = site.via ? site.via.rootField : site.field.name;
          const outcome =
            call.transport === 'http'
              ? await overHttp(document, variables, current.owner.token, field)
              : await overSocket(site, document, variables, current.owner.token, field);
          expect(outcome.status).toBeLessThan(500);
          expect(
            outcome.socketClose === null ||
              outcome.socketClose < 4500 ||
              outcome.socketClose === 1000,
          ).toBe(true);
          expect(
            outcome.errors
              .map((e) => e.extensions?.code)
              .filter((c) => typeof c !== 'string' || c === 'INTERNAL_SERVER_ERROR'),
          ).toEqual([]);
          if (before !== null) {
            if (outcome.refused) expect(await dataFingerprint(app)).toBe(before);
            else fixture = null; // Accepted: the next run aims at fresh rows.
          }
        }),
        { seed: SEED, numRuns: RUNS, endOnFailure: true },
      );
    });
  },
);

describe('headers and raw frames', () => {
  it('answers hostile headers on GET and POST without a 5xx', async () => {
    const fixture = await buildFixture(app);
    const headerValue = fc.oneof(
      hostileString,
      fc.constantFrom(
        `Bearer ${fixture.owner.token}`,
        'Bearer',
        'Basic Zm9vOmJhcg==',
        'application/json; charset=utf-16',
        'text/plain',
        '1.2.3.4, , ::1, garbage',
        '9'.repeat(8000),
      ),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          method: fc.constantFrom('GET', 'POST'),
          headers: fc.dictionary(
            fc.constantFrom(
              'authorization',
              'content-type',
              'x-request-id',
              'x-forwarded-for',
              'apollo-require-preflight',
              'accept',
              'accept-encoding',
              'idempotency-key',
              'origin',
            ),
            headerValue,
            { maxKeys: 4 },
          ),
          body: fc.oneof(fc.constant('{"query":"{ me { id } }"}'), fc.json(), hostileString),
        }),
        async ({ method, headers, body }) => {
          // Header values must be Latin-1 on the wire; anything else is refused by the client itself.
          const sendable = Object.fromEntries(
            Object.entries(headers).map(([k, v]) => [k, v.replace(/[^\u0020-\u007e]/g, '')]),
          );
          const response = await fetch(
            method === 'GET' ? `${app.url}?query=${encodeURIComponent('{ me { id } }')}` : app.url,
            {
              method,
              headers: sendable,
              body: method === 'POST' ? body : undefined,
            },
          );
          await response.arrayBuffer();
          expect(response.status).toBeLessThan(500);
        },
      ),
      { seed: SEED, numRuns: RUNS * 8 },
    );
  });

  it('answers hostile WebSocket frames with protocol errors, never as a server error', async () => {
    const fixture = await buildFixture(app);
    const frame = fc.oneof(
      fc.json(),
      hostileString,
      fc.record({
        type: fc.constantFrom('subscribe', 'complete', 'ping', 'pong', 'connection_init', 'next'),
        id: fc.oneof(hostileString, wrongType),
        payload: fc.oneof(
          wrongType,
          fc.record({
            query: fc.oneof(hostileString, wrongType),
            variables: fc.oneof(wrongType, fc.jsonValue()),
            operationName: fc.oneof(hostileString, wrongType),
            extensions: wrongType,
          }),
        ),
      }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(frame, { minLength: 1, maxLength: 4 }), async (frames) => {
        const socket = await RawSocket.open(app.wsUrl, { token: fixture.owner.token });
        for (const f of frames) socket.send(typeof f === 'string' ? f : JSON.stringify(f));
        // A probe after the frames: answered, or the socket was closed by a protocol error.
        const probe = await socket.run('probe', { query: '{ __typename }' });
        const closed = probe.closed ?? (await socket.close().then(() => null));
        if (closed) expect([4400, 4401, 4409, 4429, 1002, 1007, 1008, 1009]).toContain(closed.code);
        for (const message of socket.messages)
          expect(JSON.stringify(message)).not.toContain('INTERNAL_SERVER_ERROR');
      }),
      { seed: SEED, numRuns: RUNS * 4 },
    );
  });
});
