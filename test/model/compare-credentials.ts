import { errorCode } from '../support/test-app';
import { accountWithEmail, type Model } from './promises';
import type { World } from './world';

const LOG_IN = `mutation ($email: String!, $password: String!) {
  logIn(email: $email, password: $password) { token }
}`;

/**
 * Log-in works with exactly the credentials the model says: the current address and password
 * sign in (or ask for the second factor), and no former address or password does, nor anything
 * of an erased account. Each session this opens is closed again.
 */
export async function compareCredentials(world: World, model: Model): Promise<string[]> {
  const differences: string[] = [];
  const attempt = async (email: string, password: string, expected: string, what: string) => {
    const answer = await world.apps[0].gql<{ logIn: { token: string } }>(LOG_IN, {
      email,
      password,
    });
    const got = answer.data?.logIn ? 'ok' : String(errorCode(answer));
    if (answer.data?.logIn)
      await world.apps[0].gql(`mutation { logOut }`, {}, answer.data.logIn.token);
    if (got !== expected) differences.push(`log-in with ${what}: ${got}, model ${expected}`);
  };
  for (const account of model.accounts) {
    const label = `${account.id}`;
    if (!account.deleted) {
      const signsIn = account.twoFactor ? 'TWO_FACTOR_REQUIRED' : 'ok';
      await attempt(account.email, account.password, signsIn, `${label}'s credentials`);
      for (const old of new Set(account.formerPasswords))
        if (old !== account.password)
          await attempt(account.email, old, 'UNAUTHENTICATED', `${label}'s former password`);
    }
    const formerAddresses = account.deleted
      ? [...account.formerEmails, account.email]
      : account.formerEmails;
    for (const email of new Set(formerAddresses)) {
      const holder = accountWithEmail(model, email);
      // An address someone else now holds is theirs to sign in with.
      if (holder && holder.id !== account.id) continue;
      if (holder?.id === account.id) continue;
      await attempt(email, account.password, 'UNAUTHENTICATED', `${label}'s former address`);
    }
  }
  return differences;
}
