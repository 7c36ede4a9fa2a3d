import { STRONG_PASSWORD } from './factories/user.factory';
import { startLoggedApp } from './support/captured-logs';
import { subjectOf, tokenIn, waitForMail } from './support/mail-links';
import { useMailingApp } from './support/mailing-app';
import { awayFromStepBoundary, totpCode } from './support/two-factor';

const suite = useMailingApp({}, startLoggedApp);

async function call<T>(
  query: string,
  variables: Record<string, unknown>,
  token?: string,
): Promise<T> {
  const response = await suite.app.post(query, variables, token);
  if (response.body.errors) throw new Error(JSON.stringify(response.body.errors));
  return response.body.data as T;
}

describe('account secrets stay out of logs and activity', () => {
  it('logs no link token, TOTP secret or recovery code of any flow', async () => {
    const email = `secrets-${Date.now()}@example.com`;
    const { signUp } = await call<{ signUp: { token: string } }>(
      `mutation ($input: SignUpInput!) { signUp(input: $input) { token } }`,
      { input: { email, password: STRONG_PASSWORD, displayName: 'Secret Keeper' } },
    );
    const secrets: string[] = [signUp.token];
    secrets.push(tokenIn(await waitForMail(suite.inbox, email, 'Confirm your e-mail address')));
    await call(`mutation ($t: String!) { verifyEmail(token: $t) }`, { t: secrets[1] });

    await call(`mutation ($e: String!) { requestPasswordReset(email: $e) }`, { e: email });
    const reset = tokenIn(await waitForMail(suite.inbox, email, 'Reset your teamgraph password'));
    secrets.push(reset);
    await call(
      `mutation ($t: String!) { resetPassword(token: $t, newPassword: "Otter-Glacier-Violet-93#") }`,
      { t: reset },
    );

    const { logIn } = await call<{ logIn: { token: string } }>(
      `mutation ($e: String!) { logIn(email: $e, password: "Otter-Glacier-Violet-93#") { token } }`,
      { e: email },
    );
    secrets.push(logIn.token);
    const { beginTwoFactorSetup } = await call<{ beginTwoFactorSetup: { secret: string } }>(
      `mutation { beginTwoFactorSetup { secret } }`,
      {},
      logIn.token,
    );
    secrets.push(beginTwoFactorSetup.secret);
    await awayFromStepBoundary();
    const { confirmTwoFactorSetup } = await call<{ confirmTwoFactorSetup: string[] }>(
      `mutation ($c: String!) { confirmTwoFactorSetup(code: $c) }`,
      { c: await totpCode(beginTwoFactorSetup.secret) },
      logIn.token,
    );
    secrets.push(...confirmTwoFactorSetup);

    const moved = `moved-${Date.now()}@example.com`;
    await call(
      `mutation ($e: String!) { requestEmailChange(newEmail: $e, password: "Otter-Glacier-Violet-93#") }`,
      { e: moved },
      logIn.token,
    );
    const change = tokenIn(
      await waitForMail(suite.inbox, moved, 'Confirm your new e-mail address'),
    );
    secrets.push(change);
    await call(`mutation ($t: String!) { confirmEmailChange(token: $t) { id } }`, { t: change });
    await waitForMail(suite.inbox, email, 'was changed');

    // Every flow ran and was logged…
    const log = suite.app.raw.join('');
    expect(log).toContain('e-mail sent');
    expect(suite.inbox.messages.map(subjectOf)).toEqual(
      expect.arrayContaining(['Your teamgraph password was reset']),
    );
    // …and no secret appears in any line, nor in any activity row.
    for (const secret of secrets) expect(log).not.toContain(secret);
    const pool = suite.app.app.services.dataSource;
    const activity = JSON.stringify(await pool.query(`SELECT * FROM activities`));
    for (const secret of secrets) expect(activity).not.toContain(secret);
  });
});
