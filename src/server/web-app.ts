import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import express, { Router, type RequestHandler } from 'express';

/**
 * The web page's policy: only this origin's own scripts, styles and API (fetch and the
 * graphql-ws socket: 'self' covers ws/wss on the same host), nothing inline, no framing.
 */
export const WEB_APP_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "manifest-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
  "object-src 'none'",
].join('; ');

const strictPolicy: RequestHandler = (_req, res, next) => {
  res.setHeader('content-security-policy', WEB_APP_CSP);
  next();
};

/**
 * The built web page (`vite build` into `dir`): hashed assets under /assets with a long cache,
 * and index.html for every other browser navigation (the page routes itself). Mounted last,
 * so /graphql, the playground and the operator endpoints keep their own answers. With no build
 * in `dir` it serves nothing.
 */
export function webAppRouter(dir: string): Router {
  const router = Router();
  const root = resolve(dir);
  const indexFile = join(root, 'index.html');
  if (!existsSync(indexFile)) return router;
  const indexHtml = readFileSync(indexFile);
  router.use(
    '/assets',
    strictPolicy,
    express.static(join(root, 'assets'), { immutable: true, maxAge: '1y', index: false }),
    (_req, res) => {
      res.status(404).end();
    },
  );
  router.get(/.*/, strictPolicy, (req, res, next) => {
    // Only a browser navigation (which asks for HTML by name) gets the page.
    if (!req.headers.accept?.includes('text/html')) return next();
    res.setHeader('cache-control', 'no-cache');
    res.type('html').send(indexHtml);
  });
  return router;
}
