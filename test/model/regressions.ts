import type fc from 'fast-check';
import { GroupCommand, MutationCommand } from './model-commands';
import { at } from './mutation-spec';
import type { Model } from './promises';
import type { World } from './world';

/**
 * Shrunk counterexamples the model runs found, kept under a name saying what they found. Each
 * runs after the prelude (test/model/model-run.ts): account 0 owns team 0 with two-factor on,
 * account 1 is its ADMIN and account 2 its MEMBER, and both follow the team's feed.
 */
export interface Regression {
  name: string;
  commands(): fc.AsyncCommand<Model, World>[];
}

const one = (name: string, picks: Parameters<typeof at>[0]) => new MutationCommand(name, at(picks));

export const REGRESSIONS: Regression[] = [
  {
    name: 'a member who leaves gets MEMBER_LEFT on their feed before ACCESS_REVOKED',
    commands: () => [one('leaveTeam', { actor: 2 })],
  },
  {
    name: 'a removed member gets MEMBER_REMOVED on their feed before ACCESS_REVOKED',
    commands: () => [one('createItem', { actor: 2 }), one('removeMember', { actor: 0, other: 2 })],
  },
  {
    name: "the team's deletion reaches every follower, after every row before it",
    commands: () => [
      one('createItem', { actor: 1 }),
      one('createItem', { actor: 2, instance: 1 }),
      one('deleteTeam', { actor: 0 }),
    ],
  },
  {
    name: 'beginTwoFactorSetup racing confirmTwoFactorSetup ends as one of their orders',
    commands: () =>
      Array.from({ length: 6 }, () => [
        one('beginTwoFactorSetup', { actor: 1 }),
        new GroupCommand([
          one('beginTwoFactorSetup', { actor: 1 }),
          one('confirmTwoFactorSetup', { actor: 1 }),
        ]),
        one('disableTwoFactor', { actor: 1 }),
      ]).flat(),
  },
  {
    name: 'deleteAccount racing confirmTwoFactorSetup of the same account ends as one of their orders',
    commands: () =>
      Array.from({ length: 3 }, (_, round) => [
        one('signUp', { other: 3, choice: round }),
        one('beginTwoFactorSetup', { actor: 3 + round }),
        new GroupCommand([
          one('deleteAccount', { actor: 3 + round, choice: 4 }),
          one('confirmTwoFactorSetup', { actor: 3 + round }),
        ]),
      ]).flat(),
  },
  {
    name: 'two disableTwoFactor with the same code at once: one turns it off, the other gets CONFLICT',
    commands: () =>
      Array.from({ length: 3 }, () => [
        new GroupCommand([
          one('disableTwoFactor', { actor: 0 }),
          one('disableTwoFactor', { actor: 0 }),
        ]),
        one('beginTwoFactorSetup', { actor: 0 }),
        one('confirmTwoFactorSetup', { actor: 0 }),
      ]).flat(),
  },
  {
    name: 'an enrolment undone from its notice while it is disabled ends as one of their orders; the spent link stays dead',
    commands: () => [
      new GroupCommand([
        one('revertTwoFactorSetup', { actor: 0, choice: 1 }),
        one('disableTwoFactor', { actor: 0 }),
      ]),
      one('beginTwoFactorSetup', { actor: 1 }),
      one('confirmTwoFactorSetup', { actor: 1 }),
      one('revertTwoFactorSetup', { actor: 0, choice: 1 }),
      one('revertTwoFactorSetup', { actor: 1, choice: 1 }),
    ],
  },
  {
    name: 'logIn meeting the deletion of its account ends as one of their orders',
    commands: () => [
      new GroupCommand([one('logIn', { other: 2 }), one('deleteAccount', { actor: 2 })]),
    ],
  },
];
