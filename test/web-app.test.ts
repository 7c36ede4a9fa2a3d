import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WEB_APP_CSP } from '../src/server/web-app';
import { PRODUCTION_ENV } from './support/production-env';
import { startTestApp, type TestApp } from './support/test-app';

/**
 * Serving the built page: index.html for browser navigations, hashed assets, the strict CSP on
 * both; the API, the playground and the operator endpoints answer as before. In test and
 * production mode alike.
 */
const dir = mkdtempSync(join(tmpdir(), 'teamgraph-web-app-'));
mkdirSync(join(dir, 'assets'));
writeFileSync(join(dir, 'index.html'), '<!doctype html><div id="root"></div>');
writeFileSync(join(dir, 'assets', 'index-abc123.js'), 'console.log("page")');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.each([
  ['test', {}],
  ['production', PRODUCTION_ENV],
])('web page served by the server (%s)', (_mode, env) => {
  let app: TestApp;
  let origin: string;
  beforeAll(async () => {
    app = await startTestApp({ ...env, WEB_DIR: dir });
    origin = new URL(app.url).origin;
  });
  afterAll(() => app?.stop());

  const get = (path: string, accept = 'text/html') =>
    fetch(`${origin}${path}`, { headers: { accept } });

  it.each(['/', '/teams/2f1c3a4e-8f5e-4a36-9d0b-0b6f0a3c1d11', '/invitations/accept'])(
    'answers the navigation %s with the page and the strict policy',
    async (path) => {
      const response = await get(path);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^text\/html/);
      expect(response.headers.get('content-security-policy')).toBe(WEB_APP_CSP);
      expect(await response.text()).toContain('<div id="root">');
    },
  );

  it('serves hashed assets with a long cache and the same policy', async () => {
    const response = await get('/assets/index-abc123.js', '*/*');
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toMatch(/immutable/);
    expect(response.headers.get('content-security-policy')).toBe(WEB_APP_CSP);
    expect((await get('/assets/missing.js', '*/*')).status).toBe(404);
  });

  it('leaves the API and the operator endpoints alone', async () => {
    const api = await fetch(app.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ me { id } }' }),
    });
    expect(await api.json()).toEqual({ data: { me: null } });
    expect(await (await get('/healthz', 'application/json')).json()).toEqual({ status: 'ok' });
    expect((await get('/unknown', 'application/json')).status).toBe(404);
  });

  it('keeps the policy strict: no inline script or style, nothing from elsewhere', () => {
    expect(WEB_APP_CSP).toContain("script-src 'self'");
    expect(WEB_APP_CSP).toContain("style-src 'self'");
    expect(WEB_APP_CSP).toContain("default-src 'none'");
    expect(WEB_APP_CSP).not.toMatch(/unsafe|\*|https?:/);
  });
});
