import { accountById, teamById, type Account, type Model } from './promises';
import {
  fail,
  mutation,
  pickActor,
  signedIn,
  succeed,
  type Actor,
  type Outcome,
  type Request,
} from './mutation-spec';
import { awayFromStepBoundary, totpCode } from '../support/two-factor';
import { endAccountSecrets, linkPlan, type LinkIntent } from './account-mutations';

const ENABLED_SUBJECT = 'Two-factor sign-in was turned on for your teamgraph account';

/**
 * Where an enrolment's undo links go: the account's address, and each earlier address that
 * still holds a live e-mail revert link.
 */
const undoRecipients = (account: Account): string[] => [
  account.email,
  ...new Set(
    account.revertLinks.filter((l) => l.live && l.email !== account.email).map((l) => l.email),
  ),
];

/** Two-factor off, whatever turned it off: the factor, a setup, the codes and the undo links. */
function turnOff(account: Account): void {
  account.twoFactor = false;
  account.pendingSecret = null;
  account.recoveryCodes = [];
  for (const link of account.twoFactorUndoLinks) link.live = false;
}

interface TwoFactorIntent {
  request: Request | (() => Promise<Request>);
  actor: Actor;
  password: string;
  code: string;
  /** For confirmTwoFactorSetup: send the current code of `secret` (else a wrong one). */
  rightCode: boolean;
  secret?: string;
}

/** The caller's password or a wrong one, and an unused recovery code or a wrong code. */
function secretsOf(account: Account | undefined, choice: number) {
  return {
    password: account && choice % 3 !== 2 ? account.password : 'Not-The-Password-11!',
    code: account && choice % 4 !== 3 ? (account.recoveryCodes[0] ?? '000000') : '000000',
  };
}

const plan =
  (query: string, variables: (i: { password: string; code: string }) => Record<string, unknown>) =>
  (model: Model, picks: { actor: number; choice: number; instance: number; other: number }) => {
    const actor = pickActor(model, { ...picks, team: 0, item: 0, invitation: 0 });
    if (!actor) return null;
    const secrets = secretsOf(accountById(model, actor.accountId), picks.choice);
    return {
      actor,
      ...secrets,
      rightCode: false,
      request: { query, variables: variables(secrets), token: actor.token },
    };
  };

function whenSignedIn(
  model: Model,
  actor: Actor,
  then: (account: Account) => Outcome[],
): Outcome[] {
  const account = signedIn(model, actor);
  return account ? then(account) : fail('UNAUTHENTICATED');
}

const spend = (account: Account, code: string) => {
  account.recoveryCodes = account.recoveryCodes.filter((c) => c !== code);
};

export const beginTwoFactorSetup = mutation<TwoFactorIntent>({
  plan: plan(`mutation { beginTwoFactorSetup { secret } }`, () => ({})),
  expect: (model, { actor }) =>
    whenSignedIn(model, actor, (account) =>
      account.twoFactor
        ? fail('CONFLICT')
        : succeed((next, served) => {
            const value = served.value as { secret: string };
            accountById(next, actor.accountId)!.pendingSecret = value.secret;
          }),
    ),
});

export const confirmTwoFactorSetup = mutation<TwoFactorIntent>({
  plan(model, picks) {
    const actor = pickActor(model, picks);
    if (!actor) return null;
    const secret = accountById(model, actor.accountId)?.pendingSecret;
    const rightCode = Boolean(secret) && picks.choice % 4 !== 3;
    const query = `mutation ($code: String!) { confirmTwoFactorSetup(code: $code) }`;
    return {
      actor,
      password: '',
      code: '',
      rightCode,
      secret: secret ?? undefined,
      // The code is read from the app's clock just before sending, away from a step's end.
      request: async () => {
        if (rightCode) await awayFromStepBoundary();
        const code = rightCode ? await totpCode(secret!) : '000000';
        return { query, variables: { code }, token: actor.token };
      },
    };
  },
  expect: (model, { actor, rightCode, secret }) =>
    whenSignedIn(model, actor, (account) => {
      if (account.twoFactor || !account.pendingSecret) return fail('CONFLICT');
      // A code of a secret that a newer setup replaced is a wrong code.
      if (!rightCode || secret !== account.pendingSecret) return fail('BAD_USER_INPUT');
      return [
        {
          ok: true,
          links: undoRecipients(account).map((to) => ({ to, subject: ENABLED_SUBJECT })),
          apply(next, served) {
            const enabled = accountById(next, actor.accountId)!;
            enabled.twoFactor = true;
            enabled.pendingSecret = null;
            enabled.recoveryCodes = [...(served.value as string[])];
            enabled.twoFactorUndoLinks = served.linkTokens.map((token) => ({ token, live: true }));
          },
        },
      ];
    }),
});

export const disableTwoFactor = mutation<TwoFactorIntent>({
  plan: plan(
    `mutation ($password: String!, $code: String!) { disableTwoFactor(password: $password, code: $code) }`,
    ({ password, code }) => ({ password, code }),
  ),
  expect: (model, { actor, password, code }) =>
    whenSignedIn(model, actor, (account) => {
      if (!account.twoFactor) return fail('CONFLICT');
      const requiring = model.teams.some(
        (t) => teamById(model, t.id) && t.twoFactorRequired && t.members[account.id],
      );
      if (requiring) return fail('CONFLICT');
      if (password !== account.password) return fail('BAD_USER_INPUT');
      if (!account.recoveryCodes.includes(code)) return fail('BAD_USER_INPUT');
      return succeed((next) => turnOff(accountById(next, actor.accountId)!));
    }),
});

export const regenerateRecoveryCodes = mutation<TwoFactorIntent>({
  plan: plan(`mutation ($code: String!) { regenerateRecoveryCodes(code: $code) }`, ({ code }) => ({
    code,
  })),
  expect: (model, { actor, code }) =>
    whenSignedIn(model, actor, (account) => {
      if (!account.twoFactor || !account.recoveryCodes.includes(code))
        return fail('BAD_USER_INPUT', 'CONFLICT');
      return succeed((next, served) => {
        const renewed = accountById(next, actor.accountId)!;
        spend(renewed, code);
        renewed.recoveryCodes = [...(served.value as string[])];
      });
    }),
});

/**
 * The link of an enrolment's notice, opened by whoever holds it: two-factor off, every session
 * and pending link ended, even while a team requires two-factor (which then holds them out).
 */
export const revertTwoFactorSetup = mutation<LinkIntent>({
  plan: linkPlan(
    (a) => a.twoFactorUndoLinks,
    (token) => ({
      query: `mutation ($token: String!) { revertTwoFactorSetup(token: $token) }`,
      variables: { token },
      token: null,
    }),
  ),
  expect(model, { accountId, token }) {
    const account = accountById(model, accountId)!;
    const link = account.twoFactorUndoLinks.find((l) => l.token === token);
    if (account.deleted || !link?.live) return fail('BAD_USER_INPUT');
    return succeed((next) => {
      const undone = accountById(next, accountId)!;
      turnOff(undone);
      endAccountSecrets(next, undone);
    });
  },
});
