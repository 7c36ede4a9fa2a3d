import fc from 'fast-check';
import { loadConfig } from '../src/config/config';
import { createLogger } from '../src/logging/logger';
import type { DomainEvent } from '../src/events/domain-events';
import { audienceDeliveries } from '../src/live/audience-metrics';
import { fuzzRuns, fuzzSeed } from './fuzz/fuzz-runs';
import { subscriptionsRunning } from './support/live-gauges';
import { createServer, type TeamgraphServer } from '../src/server/create-server';
import { composeServices } from '../src/composition-root';
import { insertUser } from './support/fast-users';
import { PRODUCTION_ENV } from './support/production-env';
import { RawLiveClient } from './support/raw-live-client';
import { startTestApp, type TestApp } from './support/test-app';
import type { TestUser } from './factories/user.factory';

/**
 * Audiences (one execution per team, document, variables and role) must change nothing a
 * client can see. Two servers share one database and one event bus: `grouped` runs with
 * audiences, `reference` executes every event once per subscriber (LIVE_AUDIENCES=off). Every
 * subscriber opens the same operation on both, and for generated selections and subscriber
 * mixes (roles, promotions, members who leave or are removed, sessions revoked behind the
 * bus's back, viewers who share another team with a former member) both must write exactly
 * the same bytes to exactly the same subscribers, and close exactly the same sockets.
 */

const SHARED_FIELDS = [
  'id',
  'action',
  'subjectType',
  'subjectId',
  'summary',
  'details',
  'createdAt',
  'hash',
  '__typename',
  'renamed: summary',
  'team { id name }',
  'team { myRole }',
  'team { createdAt __typename }',
  'actor { id displayName }',
  '... on Activity { hash }',
];
/** Fields whose value (or permission) depends on the individual viewer. */
const VIEWER_FIELDS = [
  'actor { email createdAt }',
  'team { lastReadSeq unreadCount }',
  'team { members { role user { id email } } }',
  'actor { id teams { role } }',
];

const selection = fc
  .tuple(
    fc.subarray(SHARED_FIELDS),
    fc.oneof(fc.constant([]), fc.subarray(VIEWER_FIELDS, { minLength: 1 })),
  )
  .map(([shared, viewer]) => ['seq', ...shared, ...viewer].join(' '));

type Fate = 'stays' | 'promoted' | 'reads' | 'acts' | 'leaves' | 'removed' | 'revoked';
interface SubscriberSpec {
  role: 'ADMIN' | 'MEMBER';
  fate: Fate;
  /** Also in a second team with the members who leave (their profile stays visible). */
  sharesOtherTeam: boolean;
  operation: 'teamActivity' | 'myActivity';
  selection: 0 | 1;
}

const subscriberSpec: fc.Arbitrary<SubscriberSpec> = fc
  .record({
    // Mostly alike, so that audiences hold several subscribers.
    role: fc.constantFrom('MEMBER' as const, 'MEMBER' as const, 'ADMIN' as const),
    fate: fc.constantFrom<Fate>(
      'stays',
      'promoted',
      'reads',
      'acts',
      'leaves',
      'removed',
      'revoked',
    ),
    sharesOtherTeam: fc.boolean(),
    operation: fc.constantFrom(
      'teamActivity' as const,
      'teamActivity' as const,
      'myActivity' as const,
    ),
    selection: fc.constantFrom(0 as const, 0 as const, 1 as const),
  })
  // A myActivity feed that loses a team just stops hearing of it: nothing to wait for.
  .map((spec) =>
    spec.fate === 'leaves' || spec.fate === 'removed'
      ? { ...spec, operation: 'teamActivity' as const }
      : spec,
  );

const documentFor = (operation: SubscriberSpec['operation'], fields: string) =>
  operation === 'teamActivity'
    ? `subscription ($teamId: ID!) { teamActivity(teamId: $teamId) { ${fields} } }`
    : `subscription { myActivity { ${fields} } }`;

describe.each([
  { mode: 'NODE_ENV=test', env: {} as Record<string, string>, runs: fuzzRuns(25) },
  { mode: 'NODE_ENV=production', env: PRODUCTION_ENV, runs: fuzzRuns(10) },
])(
  'live audiences ($mode): grouped delivery is byte-identical to per-subscriber delivery',
  ({ env, runs }) => {
    let app: TestApp;
    let reference: TeamgraphServer;
    let referenceWsUrl: string;

    beforeAll(async () => {
      app = await startTestApp(env);
      const config = loadConfig({
        NODE_ENV: 'test',
        PORT: '0',
        HOST: '127.0.0.1',
        LOG_LEVEL: 'silent',
        DATABASE_URL: 'postgres://unused',
        RATE_LIMITS: 'off',
        BACKUP_SCHEDULER: 'off',
        ...env,
        LIVE_AUDIENCES: 'off',
      });
      const { dataSource, bus } = app.app.services;
      const services = composeServices({ config, dataSource, bus, logger: createLogger('silent') });
      reference = await createServer(services, { redis: null });
      referenceWsUrl = (await reference.listen(0, '127.0.0.1')).replace(/^http/, 'ws');
    });
    afterAll(async () => {
      await reference?.close();
      await app?.stop();
    });

    const gql = async (query: string, variables: Record<string, unknown>, token: string) => {
      const response = await app.gql(query, variables, token);
      if (response.errors) throw new Error(JSON.stringify(response.errors));
      return response.data as Record<string, { id?: string }>;
    };

    it('for generated selections and subscriber mixes', async () => {
      const groupedBefore = (await audienceDeliveries.get()).values[0]?.value ?? 0;
      await fc.assert(
        fc.asyncProperty(
          fc.tuple(selection, selection),
          fc.array(subscriberSpec, { minLength: 2, maxLength: 7 }),
          async (selections, specs) => {
            await runScenario(selections, specs);
          },
        ),
        {
          numRuns: runs,
          ...fuzzSeed(),
          // Two members of one audience whose read positions differ.
          examples: [
            [
              ['seq team { lastReadSeq unreadCount }', 'seq'],
              [
                {
                  role: 'MEMBER',
                  fate: 'reads',
                  sharesOtherTeam: false,
                  operation: 'teamActivity',
                  selection: 0,
                },
                {
                  role: 'MEMBER',
                  fate: 'stays',
                  sharesOtherTeam: false,
                  operation: 'teamActivity',
                  selection: 0,
                },
              ],
            ],
            // A former member's profile: visible to whoever still shares a team with them.
            [
              ['seq actor { id email createdAt }', 'seq actor { displayName }'],
              [
                {
                  role: 'MEMBER',
                  fate: 'leaves',
                  sharesOtherTeam: true,
                  operation: 'teamActivity',
                  selection: 0,
                },
                {
                  role: 'MEMBER',
                  fate: 'stays',
                  sharesOtherTeam: true,
                  operation: 'teamActivity',
                  selection: 0,
                },
                {
                  role: 'MEMBER',
                  fate: 'stays',
                  sharesOtherTeam: false,
                  operation: 'teamActivity',
                  selection: 0,
                },
                {
                  role: 'MEMBER',
                  fate: 'stays',
                  sharesOtherTeam: false,
                  operation: 'myActivity',
                  selection: 1,
                },
              ],
            ],
          ],
        },
      );
      // The property would hold trivially if nothing were ever grouped.
      const groupedAfter = (await audienceDeliveries.get()).values[0]?.value ?? 0;
      expect(groupedAfter).toBeGreaterThan(groupedBefore);
    }, 240_000);

    async function runScenario(selections: [string, string], specs: SubscriberSpec[]) {
      const owner = await insertUser(app);
      const teamId = (
        await gql(
          `mutation { createTeam(input: { name: "Differential" }) { id } }`,
          {},
          owner.token,
        )
      ).createTeam.id as string;
      const otherOwner = await insertUser(app);
      const otherTeamId = (
        await gql(`mutation { createTeam(input: { name: "Other" }) { id } }`, {}, otherOwner.token)
      ).createTeam.id as string;
      const users: TestUser[] = [];
      for (const spec of specs) {
        const user = await insertUser(app);
        users.push(user);
        await app.sql(
          `INSERT INTO memberships (team_id, user_id, role, joined_at) VALUES ($1, $2, $3, now())`,
          [teamId, user.id, spec.role],
        );
      }
      // Members who leave stay visible to whoever shares the other team with them.
      for (const [i, spec] of specs.entries()) {
        if (spec.fate === 'leaves' || spec.sharesOtherTeam) {
          await app.sql(
            `INSERT INTO memberships (team_id, user_id, role, joined_at) VALUES ($1, $2, 'MEMBER', now())`,
            [otherTeamId, users[i].id],
          );
        }
      }

      const subscribers = [
        { user: owner, spec: null as SubscriberSpec | null },
        ...users.map((user, i) => ({ user, spec: specs[i] })),
      ];
      // Every socket of the previous run has been cleaned up.
      await subscriptionsRunning(0);
      const opened: {
        grouped: RawLiveClient;
        reference: RawLiveClient;
        spec: SubscriberSpec | null;
      }[] = [];
      try {
        for (const { user, spec } of subscribers) {
          const operation = spec?.operation ?? 'teamActivity';
          const document = documentFor(operation, selections[spec?.selection ?? 0]);
          const variables = operation === 'teamActivity' ? { teamId } : {};
          const pair = {
            grouped: await RawLiveClient.connect(app.wsUrl, user.token),
            reference: await RawLiveClient.connect(referenceWsUrl, user.token),
            spec,
          };
          opened.push(pair);
          pair.grouped.subscribe('s1', document, variables);
          pair.reference.subscribe('s1', document, variables);
        }
        await subscriptionsRunning(opened.length * 2);
        const first = await createItem(owner, teamId, 'first');
        await Promise.all(
          opened.flatMap((pair) => [pair.grouped, pair.reference].map((c) => reached(c, first))),
        );

        const clients = opened.flatMap((pair) => [pair.grouped, pair.reference]);
        // Each event reaches every feed before the next one is made: fields read at execution
        // time (unread counts) then see the same database on both servers.
        const settled = async (seq: number) => {
          await Promise.all(clients.map((c) => reached(c, seq)));
        };
        for (const [i, spec] of specs.entries()) {
          const user = users[i];
          if (spec.fate === 'promoted') {
            await gql(
              `mutation ($teamId: ID!, $userId: ID!, $role: Role!) { changeMemberRole(teamId: $teamId, userId: $userId, role: $role) { role } }`,
              { teamId, userId: user.id, role: spec.role === 'ADMIN' ? 'MEMBER' : 'ADMIN' },
              owner.token,
            );
          } else if (spec.fate === 'reads') {
            // Read positions (and so unread counts) now differ between members of one role.
            await gql(
              `mutation ($teamId: ID!, $upTo: Int!) { markActivityRead(teamId: $teamId, upToSeq: $upTo) { id } }`,
              { teamId, upTo: first },
              user.token,
            );
          } else if (spec.fate === 'acts') {
            await createItem(user, teamId, 'by a member');
          } else if (spec.fate === 'leaves') {
            await gql(
              `mutation ($teamId: ID!) { leaveTeam(teamId: $teamId) }`,
              { teamId },
              user.token,
            );
          } else if (spec.fate === 'removed') {
            await gql(
              `mutation ($teamId: ID!, $userId: ID!) { removeMember(teamId: $teamId, userId: $userId) }`,
              { teamId, userId: user.id },
              owner.token,
            );
          } else if (spec.fate === 'revoked') {
            // Behind the bus's back: only the per-event session check can notice.
            await app.sql(`UPDATE sessions SET revoked_at = now() WHERE user_id = $1`, [user.id]);
          }
          await settled(await lastSeq(teamId));
        }
        await settled(await createItem(owner, teamId, 'middle'));
        // Events handed over at once (as a broker does with what queued while it was slow):
        // the grouped server delivers them as one batch, the reference one by one.
        await settled(
          await publishedTogether(async () => {
            for (const title of ['burst 1', 'burst 2', 'burst 3']) {
              await createItem(owner, teamId, title);
            }
            return lastSeq(teamId);
          }),
        );
        const last = await createItem(owner, teamId, 'last');
        await settled(last);

        for (const pair of opened) {
          expect(pair.grouped.framesOf('s1')).toEqual(pair.reference.framesOf('s1'));
          expect(pair.grouped.closeCode).toBe(pair.reference.closeCode);
          const fate = pair.spec?.fate ?? 'stays';
          if (fate === 'revoked') expect(pair.grouped.closeCode).toBe(4403);
          if (fate !== 'revoked' && fate !== 'leaves' && fate !== 'removed') {
            expect(pair.grouped.closeCode).toBeNull();
            expect(pair.grouped.framesOf('s1').some((f) => seqPattern(last).test(f))).toBe(true);
          }
        }
      } finally {
        for (const pair of opened) {
          pair.grouped.close();
          pair.reference.close();
        }
      }
    }

    /** Runs `mutate` with the bus holding its events, then publishes them all in one call. */
    async function publishedTogether<T>(mutate: () => Promise<T>): Promise<T> {
      const { bus } = app.app.services;
      const publish = bus.publish.bind(bus);
      const held: DomainEvent[] = [];
      const holding = jest.spyOn(bus, 'publish').mockImplementation(async (events) => {
        held.push(...events);
      });
      let result: T;
      try {
        result = await mutate();
      } finally {
        holding.mockRestore();
      }
      await publish(held);
      return result;
    }

    async function createItem(owner: TestUser, teamId: string, title: string): Promise<number> {
      await gql(
        `mutation ($teamId: ID!, $title: String!) { createItem(teamId: $teamId, input: { title: $title }) { id } }`,
        { teamId, title },
        owner.token,
      );
      return lastSeq(teamId);
    }

    async function lastSeq(teamId: string): Promise<number> {
      const [row] = await app.sql<{ last_seq: number }>(
        `SELECT last_seq FROM teams WHERE id = $1`,
        [teamId],
      );
      return row.last_seq;
    }
  },
);

const seqPattern = (seq: number) => new RegExp(`"seq":${seq}[,}]`);

/** Until the subscription carried `seq`, ended, or the socket closed. */
function reached(client: RawLiveClient, seq: number): Promise<void> {
  const pattern = seqPattern(seq);
  return client.until(
    () =>
      client.closeCode !== null ||
      client
        .framesOf('s1')
        .some(
          (f) => pattern.test(f) || f.includes('"type":"complete"') || f.includes('"type":"error"'),
        ),
    15_000,
    `seq ${seq}`,
  );
}
