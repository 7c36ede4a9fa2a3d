import { generate } from 'otplib';
import { TOTP_PERIOD_SECONDS } from '../../src/auth/totp';
import type { TestUser } from '../factories/user.factory';
import type { TestApp } from './test-app';

/** The TOTP code of the step `offset` steps from now (0: current, -1: the one before). */
export function totpCode(secret: string, offset = 0): Promise<string> {
  return generate({ secret, epoch: Math.floor(Date.now() / 1000) + offset * TOTP_PERIOD_SECONDS });
}

/**
 * Resolves once at least `marginSeconds` remain in the current 30 s step, so a code generated
 * now is still in the same step when the server checks it. Waits on the clock itself.
 */
export async function awayFromStepBoundary(marginSeconds = 3): Promise<void> {
  const intoStep = (Date.now() / 1000) % TOTP_PERIOD_SECONDS;
  const left = TOTP_PERIOD_SECONDS - intoStep;
  if (left >= marginSeconds) return;
  await new Promise((resolve) => setTimeout(resolve, left * 1000 + 50));
}

export const BEGIN_SETUP = `mutation { beginTwoFactorSetup { secret otpauthUri } }`;
export const CONFIRM_SETUP = `mutation ($code: String!) { confirmTwoFactorSetup(code: $code) }`;

/** Turns two-factor on through the API with the current code; returns the secret and codes. */
export async function enableTwoFactor(
  app: TestApp,
  user: Pick<TestUser, 'token'>,
): Promise<{ secret: string; recoveryCodes: string[] }> {
  const begun = await app.gql<{ beginTwoFactorSetup: { secret: string } }>(
    BEGIN_SETUP,
    {},
    user.token,
  );
  if (!begun.data?.beginTwoFactorSetup) throw new Error(JSON.stringify(begun.errors));
  const secret = begun.data.beginTwoFactorSetup.secret;
  await awayFromStepBoundary();
  const confirmed = await app.gql<{ confirmTwoFactorSetup: string[] }>(
    CONFIRM_SETUP,
    { code: await totpCode(secret) },
    user.token,
  );
  if (!confirmed.data?.confirmTwoFactorSetup) throw new Error(JSON.stringify(confirmed.errors));
  return { secret, recoveryCodes: confirmed.data.confirmTwoFactorSetup };
}
