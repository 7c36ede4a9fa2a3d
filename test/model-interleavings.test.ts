import fc from 'fast-check';
import { fuzzRuns, fuzzSeed } from './fuzz/fuzz-runs';
import { describeWithRedis, requiredRedisUrl } from './support/redis-available';
import { aFewAtOnce } from './support/a-few-at-once';
import { useMailingApp } from './support/mailing-app';
import { startSmtpInbox, type SmtpInbox } from './support/smtp-inbox';
import { TwoInstances } from './support/two-instances';
import { GroupCommand, groupCommand, modelCommand } from './model/model-commands';
import { runModel } from './model/model-run';
import { everyPair, pairRuns } from './model/every-pair';
import { World } from './model/world';

/**
 * Requests that meet (API.md): groups of mutations sent at once end as some serial order of
 * them would have — the model tries every order — on one instance and on two instances
 * sharing one database and one Redis.
 */
const RUN_OPTIONS = { endOnFailure: !process.env.FUZZ_SHRINK };
/** Pair runs served side by side on one instance. */
const RUNS_AT_ONCE = 3;

describe('on one instance', () => {
  const suite = useMailingApp();
  let world: World;
  beforeAll(() => {
    world = new World([suite.app], suite.inbox);
  });

  it('every pair of mutations of the schema, sent at once, ends as one of its serial orders', async () => {
    // Runs have addresses of their own and meet nowhere, so a few go at once, each with its own
    // feeds; while one waits on the database, the mail or a password hash, another is served.
    await aFewAtOnce(pairRuns(everyPair(), 70), RUNS_AT_ONCE, (run) =>
      runModel(new World([suite.app], suite.inbox), run),
    );
  }, 600_000);

  it('generated groups, released in an order fast-check schedules, end as a serial order', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.commands([modelCommand, groupCommand({ min: 2, max: 3 })], {
          maxCommands: 12,
          size: 'max',
        }),
        fc.scheduler(),
        async (commands, scheduler) => {
          // Each group's requests leave in the order the scheduler picks.
          const scheduled = [...commands].map((c) =>
            c instanceof GroupCommand ? c.releasedBy(scheduler) : c,
          );
          await runModel(world, scheduled);
        },
      ),
      { ...fuzzSeed(29), numRuns: fuzzRuns(2), ...RUN_OPTIONS },
    );
  }, 600_000);
});

describeWithRedis('model-interleavings', 'on two instances sharing a database and Redis', () => {
  let inbox: SmtpInbox;
  let instances: TwoInstances;
  let world: World;
  beforeAll(async () => {
    inbox = await startSmtpInbox();
    instances = await TwoInstances.start({ REDIS_URL: requiredRedisUrl(), SMTP_URL: inbox.url });
    world = new World([instances.a, instances.b], inbox);
  }, 120_000);
  afterAll(async () => {
    await instances?.stop();
    await inbox?.close();
  });

  it('generated groups spread over both instances end as a serial order', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.commands([modelCommand, groupCommand({ min: 2, max: 4 })], {
          maxCommands: 12,
          size: 'max',
        }),
        (commands) => runModel(world, commands),
      ),
      { ...fuzzSeed(30), numRuns: fuzzRuns(3), ...RUN_OPTIONS },
    );
  }, 600_000);
});
