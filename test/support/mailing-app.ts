import { startSmtpInbox, type SmtpInbox } from './smtp-inbox';
import { startTestApp, type TestApp } from './test-app';

type Env = Record<string, string>;

export interface MailingSuite<App> {
  readonly app: App;
  readonly inbox: SmtpInbox;
}

/**
 * A suite's server that sends its mail to an SMTP inbox of the suite's own; registers the
 * jest hooks that start the inbox, then the server with `env` and the inbox as SMTP_URL, and
 * stop both at the end. `start` is the kind of server (default: startTestApp).
 */
export function useMailingApp(env?: Env): MailingSuite<TestApp>;
export function useMailingApp<App extends { stop(): Promise<void> }>(
  env: Env,
  start: (env: Env) => Promise<App>,
): MailingSuite<App>;
export function useMailingApp(
  env: Env = {},
  start: (env: Env) => Promise<{ stop(): Promise<void> }> = startTestApp,
): MailingSuite<unknown> {
  let app: { stop(): Promise<void> } | undefined;
  let inbox: SmtpInbox | undefined;
  beforeAll(async () => {
    inbox = await startSmtpInbox();
    app = await start({ ...env, SMTP_URL: inbox.url });
  });
  afterAll(async () => {
    await app?.stop();
    await inbox?.close();
  });
  return {
    get app() {
      if (!app) throw new Error('the mailing test app is not started yet');
      return app;
    },
    get inbox() {
      if (!inbox) throw new Error('the test inbox is not started yet');
      return inbox;
    },
  };
}
