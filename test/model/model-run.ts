import fc from 'fast-check';
import { randomBytes } from 'node:crypto';
import { compareCredentials } from './compare-credentials';
import { compareFeeds } from './compare-feeds';
import { compareState } from './compare-state';
import { MutationCommand, OpenFeedCommand } from './model-commands';
import { at } from './mutation-spec';
import { emptyModel, type Model } from './promises';
import type { World } from './world';

/**
 * Where every run starts: three people signed up, the first with two-factor on and a team
 * whose ADMIN is the second and MEMBER the third (invited and accepted), both following its
 * feed. Generated steps start from a team in use rather than from nothing.
 */
export const PRELUDE: fc.AsyncCommand<Model, World>[] = [
  new MutationCommand('signUp', at({ other: 0 })),
  new MutationCommand('signUp', at({ other: 1 })),
  new MutationCommand('signUp', at({ other: 2 })),
  new MutationCommand('beginTwoFactorSetup', at({ actor: 0 })),
  new MutationCommand('confirmTwoFactorSetup', at({ actor: 0 })),
  new MutationCommand('createTeam', at({ actor: 0 })),
  new MutationCommand('inviteMember', at({ actor: 0, other: 1, choice: 0 })),
  new MutationCommand('inviteMember', at({ actor: 0, other: 2, choice: 2 })),
  new MutationCommand('acceptInvitation', at({ invitation: 0, choice: 1 })),
  new MutationCommand('acceptInvitation', at({ invitation: 1, choice: 1 })),
  new OpenFeedCommand(at({ actor: 1 })),
  new OpenFeedCommand(at({ actor: 2, instance: 1 })),
];

/**
 * Runs commands against the model and the world from the prelude on, then the end-of-run
 * checks: every feed got what it is owed, and log-in takes exactly the model's credentials.
 * Each run has addresses of its own, so runs share one server without meeting.
 */
export async function runModel(
  world: World,
  commands: Iterable<fc.AsyncCommand<Model, World>>,
): Promise<void> {
  const model = emptyModel(`m${randomBytes(3).toString('hex')}`);
  try {
    await fc.asyncModelRun(async () => {
      for (const command of PRELUDE) await command.run(model, world);
      return { model, real: world };
    }, commands);
    const differences = [
      ...(await compareState(world, model)),
      ...(await compareFeeds(world, model.feeds)),
      ...(await compareCredentials(world, model)),
    ];
    if (differences.length)
      throw new Error(`at the end of the run:\n  ${differences.join('\n  ')}`);
  } finally {
    await world.closeFeeds();
  }
}
