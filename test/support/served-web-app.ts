import { freePort } from '../../bench/lib/ports';
import { startSmtpInbox, type SmtpInbox } from './smtp-inbox';
import { startTestApp, type TestApp } from './test-app';
import { buildWebApp } from './web-build';

/** The built web page served by a real server on a port of its own, its e-mails in a sink. */
export interface ServedWebApp {
  app: TestApp;
  inbox: SmtpInbox;
  /** `http://127.0.0.1:<port>`: where the page is, and what its e-mailed links point at. */
  origin: string;
  /** The built page's folder, for a second server of the same page. */
  webDir: string;
  stop(): Promise<void>;
}

/** The run's build of the page, served as `npm start` would, with `env` on top. */
export async function startServedWebApp(env: Record<string, string> = {}): Promise<ServedWebApp> {
  const build = await buildWebApp();
  const inbox = await startSmtpInbox();
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const app = await startTestApp({
    PORT: String(port),
    PUBLIC_URL: origin,
    SMTP_URL: inbox.url,
    WEB_DIR: build.dir,
    ...env,
  });
  return {
    app,
    inbox,
    origin,
    webDir: build.dir,
    async stop() {
      await app.stop();
      await inbox.close();
    },
  };
}
