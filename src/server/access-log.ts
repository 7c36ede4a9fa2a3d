import { randomUUID } from 'node:crypto';
import type { RequestHandler } from 'express';
import { httpRequestDuration, httpRequestsInFlight, routeLabel } from '../metrics/http-metrics';
import type { Logger } from '../logging/logger';

/** A client-supplied request id is kept only when it is short and plain (it is logged). */
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,100}$/;

export const requestIdOf = (header: unknown): string =>
  typeof header === 'string' && REQUEST_ID.test(header) ? header : randomUUID();

/**
 * One access line per HTTP request (id, method, path without query string, status, duration)
 * and the `x-request-id` response header. Query strings are never logged: GET operations carry
 * variables there.
 */
export function accessLog(logger: Logger): RequestHandler {
  return (req, res, next) => {
    const started = process.hrtime.bigint();
    // Captured now: routers mounted further down rewrite req.path relative to their mount.
    const path = req.path;
    const requestId = requestIdOf(req.headers['x-request-id']);
    res.locals.requestId = requestId;
    res.setHeader('x-request-id', requestId);
    const route = routeLabel(path);
    httpRequestsInFlight.inc({ route });
    let logged = false;
    const done = () => {
      if (logged) return;
      logged = true;
      httpRequestsInFlight.dec({ route });
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const status = res.headersSent ? res.statusCode : 499;
      httpRequestDuration.observe({ method: req.method, route, status: String(status) }, seconds);
      const line = {
        event: 'http.request',
        requestId,
        method: req.method,
        path,
        status,
        durationMs: Math.round(seconds * 100_000) / 100,
        ip: req.ip ?? req.socket.remoteAddress,
        userAgent: req.headers['user-agent'],
      };
      if (status >= 500) logger.warn(line, 'http request');
      else logger.info(line, 'http request');
    };
    res.on('finish', done);
    res.on('close', done);
    next();
  };
}
