import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import WebSocket from 'ws';
import { loadConfig } from '../src/config/config';
import { buildUser } from './factories/user.factory';
import { selfSignedCertificate, type SelfSigned } from './support/self-signed';
import { startTestApp, type TestApp } from './support/test-app';
import { waitUntil } from './support/wait-until';

/** TLS_CERT_FILE + TLS_KEY_FILE: HTTPS and WSS on the same port; HSTS only under TLS. */
let cert: SelfSigned;
let app: TestApp;
let plain: TestApp;
beforeAll(async () => {
  cert = selfSignedCertificate();
  [app, plain] = await Promise.all([
    startTestApp({ TLS_CERT_FILE: cert.certFile, TLS_KEY_FILE: cert.keyFile }),
    startTestApp(),
  ]);
});
afterAll(async () => {
  await Promise.all([app?.stop(), plain?.stop()]);
  cert?.cleanup();
});

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function httpsPost(
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      url,
      {
        method: 'POST',
        ca: cert.cert,
        headers: { 'content-type': 'application/json', ...headers },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk) => (text += chunk));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }),
        );
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

it('serves GraphQL over HTTPS, verified against the certificate', async () => {
  expect(app.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/graphql$/);
  const reply = await httpsPost(app.url, { query: '{ __typename }' });
  expect(reply.status).toBe(200);
  expect(JSON.parse(reply.body)).toEqual({ data: { __typename: 'Query' } });
});

it('sends HSTS (and the other security headers) under TLS', async () => {
  const reply = await httpsPost(app.url, { query: '{ __typename }' });
  expect(reply.headers['strict-transport-security']).toMatch(/max-age=31536000/);
  expect(reply.headers['x-content-type-options']).toBe('nosniff');
  expect(reply.headers['referrer-policy']).toBe('no-referrer');
});

it('refuses plain HTTP on the TLS port', async () => {
  const { port } = new URL(app.url);
  const outcome = await new Promise<string>((resolve) => {
    const req = httpRequest({ host: '127.0.0.1', port, path: '/graphql', method: 'GET' }, (res) =>
      resolve(`status ${res.statusCode}`),
    );
    req.on('error', () => resolve('refused'));
    req.end();
  });
  expect(outcome).not.toBe('status 200');
});

it('speaks WSS on the same port, with the token in connection_init', async () => {
  const user = await buildUser({ ...app, gql: (q, v) => tlsGql(q, v) } as TestApp);
  const socket = new WebSocket(app.url.replace(/^https/, 'wss'), 'graphql-transport-ws', {
    ca: cert.cert,
  });
  const messages: Record<string, unknown>[] = [];
  socket.on('message', (data) => messages.push(JSON.parse(String(data))));
  await new Promise((resolve, reject) => {
    socket.once('open', resolve);
    socket.once('error', reject);
  });
  socket.send(
    JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${user.token}` } }),
  );
  await waitUntil(() => messages.some((m) => m.type === 'connection_ack'), 'connection_ack');
  socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: '{ me { id } }' } }));
  await waitUntil(
    () => messages.some((m) => m.type === 'complete'),
    () => `complete (received: ${JSON.stringify(messages)})`,
  );
  expect(messages.find((m) => m.type === 'next')).toMatchObject({
    payload: { data: { me: { id: user.id } } },
  });
  socket.close(1000);
});

it('rejects a client that does not trust the certificate', async () => {
  await expect(
    new Promise((resolve, reject) => {
      const req = httpsRequest(app.url, { method: 'GET' }, resolve);
      req.on('error', reject);
      req.end();
    }),
  ).rejects.toThrow(/self-signed|certificate/i);
});

it('sends nosniff and referrer policy but no HSTS without TLS, on every response', async () => {
  for (const path of ['/graphql', '/healthz', '/readyz', '/metrics', '/nope']) {
    const response = await fetch(new URL(path, plain.url), {
      headers: { accept: 'application/json' },
    });
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('referrer-policy')).toBe('no-referrer');
    expect(response.headers.get('strict-transport-security')).toBeNull();
  }
});

it('refuses half a TLS configuration and missing files at start', () => {
  const base = { DATABASE_URL: 'postgres://x@127.0.0.1/x' };
  expect(() => loadConfig({ ...base, TLS_CERT_FILE: cert.certFile })).toThrow(
    /TLS_CERT_FILE and TLS_KEY_FILE/,
  );
  expect(() =>
    loadConfig({ ...base, TLS_CERT_FILE: '/nonexistent.pem', TLS_KEY_FILE: cert.keyFile }),
  ).toThrow(/TLS_CERT_FILE: no such file/);
});

async function tlsGql(query: string, variables?: Record<string, unknown>) {
  const reply = await httpsPost(app.url, { query, variables });
  const body = JSON.parse(reply.body);
  return { status: reply.status, data: body.data, errors: body.errors, headers: new Headers() };
}
