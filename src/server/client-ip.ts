import type { IncomingMessage } from 'node:http';

/** Express's compiled `trust proxy` setting: is the address at this hop a proxy we trust? */
export type TrustProxy = (address: string, hop: number) => boolean;

/**
 * The client address of a request, by Express's rule for `req.ip`: walk from the socket's
 * peer back through X-Forwarded-For while each hop is a trusted proxy. Used for WebSocket
 * upgrades, which never pass through Express, so both transports key rate limits and logs
 * on the same address.
 */
export function clientIp(request: IncomingMessage, trust: TrustProxy): string {
  const forwarded = String(request.headers['x-forwarded-for'] ?? '')
    .split(',')
    .map((hop) => hop.trim())
    .filter(Boolean)
    .reverse();
  const chain = [request.socket.remoteAddress ?? 'unknown', ...forwarded];
  for (let hop = 0; hop < chain.length - 1; hop++) {
    if (!trust(chain[hop], hop)) return chain[hop];
  }
  return chain[chain.length - 1];
}
