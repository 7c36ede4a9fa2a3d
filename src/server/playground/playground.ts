import { Router } from 'express';
import { PLAYGROUND_HTML, playgroundAsset } from './playground-assets';

/**
 * The GraphQL IDE: `GET /graphql` from a browser (Accept: text/html, no query) gets the page,
 * `/playground/*` its scripts and styles, all served from installed packages.
 */
export function playgroundRouter(): Router {
  const router = Router();
  router.get('/graphql', (req, res, next) => {
    const wantsHtml = req.accepts(['application/json', 'text/html']) === 'text/html';
    if (!wantsHtml || req.query.query !== undefined) return next();
    res.type('html').send(PLAYGROUND_HTML);
  });
  router.get('/playground/:asset', (req, res, next) => {
    const asset = playgroundAsset(req.params.asset);
    if (!asset) return next();
    res.setHeader('content-type', asset.contentType);
    res.setHeader('cache-control', 'public, max-age=3600');
    res.send(asset.body);
  });
  return router;
}
