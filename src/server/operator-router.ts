import { Router } from 'express';
import { metricsRegistry } from '../metrics/registry';
import type { Readiness } from './readiness';

export interface OperatorRouterOptions {
  /** The readiness check behind `/readyz`. */
  readiness: () => Promise<Readiness>;
  /** Told every answer `/readyz` gives (the `teamgraph_ready` gauge). */
  observeReadiness: (result: Readiness) => void;
  /** When set, `/metrics` needs `Authorization: Bearer <token>`. */
  metricsToken?: string;
}

/**
 * What orchestrators and Prometheus ask: `/healthz` (the process answers), `/readyz` (200 when
 * it can serve, 503 with what is down or that it is stopping) and `/metrics`.
 */
export function operatorRouter(options: OperatorRouterOptions): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
    const result = await options.readiness();
    options.observeReadiness(result);
    const { ready, ...body } = result;
    res.status(ready ? 200 : 503).json(body);
  });
  router.get('/metrics', async (req, res) => {
    const token = options.metricsToken;
    if (token && req.headers.authorization !== `Bearer ${token}`) {
      res.status(401).json({ error: 'metrics need the METRICS_TOKEN bearer token' });
      return;
    }
    res.setHeader('content-type', metricsRegistry.contentType);
    res.send(await metricsRegistry.metrics());
  });
  return router;
}
