import fc from 'fast-check';
import { fuzzRuns, fuzzSeed } from './fuzz/fuzz-runs';
import {
  buildWorld,
  describeOperation,
  operation,
  outcome,
  promisesBroken,
  send,
  worldState,
  type Operation,
  type World,
} from './support/account-world';
import { deadlocksOn, DEPLOYMENTS, type Deployment } from './support/deployments';

/**
 * Generated pairs of account and team operations of one world, sent at once (to one instance,
 * or one to each of two instances sharing the database), must end as the two would one after
 * the other in some order (API.md "Requests that meet"): the same rows, and the same answers,
 * except that the loser of a race may be told CONFLICT. Each pair is also run both ways in
 * worlds of its own, for the orders to compare with.
 */

/** Whether `raced` is an answer the serial order's `serial` allows: it, or CONFLICT for a loser. */
const agrees = (raced: string, serial: string): boolean =>
  raced === serial || (serial !== 'ok' && raced === 'CONFLICT');

describe.each(Object.keys(DEPLOYMENTS))('generated pairs at once, on %s', (deploymentName) => {
  let deployment: Deployment;
  beforeAll(async () => {
    deployment = await DEPLOYMENTS[deploymentName]();
  }, 120_000);
  afterAll(() => deployment?.stop());

  async function serially(world: World, ops: Operation[]) {
    const answers: string[] = [];
    for (const op of ops) answers.push(outcome(await send(deployment.first, world, op)));
    return { answers, state: await worldState(deployment.first, world) };
  }

  it('end as some order of the two, with one owner per team and nothing left to an erased account', async () => {
    const deadlocksBefore = await deadlocksOn(deployment);
    await fc.assert(
      fc.asyncProperty(operation, operation, async (a, b) => {
        // Three worlds of their own (the race's and one per order), so they are built together,
        // and the two orders, which meet nowhere, are played side by side after the race.
        const [world, first, second] = await Promise.all(
          [1, 2, 3].map(() => buildWorld(deployment.first)),
        );
        const raced = (
          await Promise.all([send(deployment.first, world, a), send(deployment.second, world, b)])
        ).map(outcome);
        const state = await worldState(deployment.first, world);
        const orders = await Promise.all([serially(first, [a, b]), serially(second, [b, a])]);
        orders[1].answers.reverse();
        const matching = orders.filter(
          (order) =>
            JSON.stringify(order.state) === JSON.stringify(state) &&
            order.answers.every((serial, i) => agrees(raced[i], serial)),
        );
        if (!matching.length) {
          const pair = [describeOperation(a), describeOperation(b)];
          throw new Error(
            `no order of ${JSON.stringify(pair)} ends as they did at once: ${JSON.stringify({ raced, state })}; the orders: ${JSON.stringify(orders)}`,
          );
        }
        expect(raced).not.toContain('INTERNAL_SERVER_ERROR');
        expect(await promisesBroken(deployment.first)).toEqual({});
      }),
      { ...fuzzSeed(29), numRuns: fuzzRuns(15) },
    );
    expect(await deadlocksOn(deployment)).toBe(deadlocksBefore);
  }, 300_000);
});
