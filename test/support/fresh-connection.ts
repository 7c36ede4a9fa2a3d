import { get } from 'node:http';

/**
 * GETs `path` on a connection of its own (no agent, so no kept-alive socket is reused) and
 * resolves with the answer's status, or with the error code when the connection fails: a
 * stopped listener shows as ECONNREFUSED, whatever older connections are still open.
 */
export function onFreshConnection(url: string, path = '/healthz'): Promise<number | string> {
  return new Promise((resolve) => {
    const req = get(new URL(path, url), { agent: false }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
  });
}
