/**
 * Which browser origins may open a WebSocket (checked at the HTTP upgrade, before anything
 * else). Browsers always send Origin on a WebSocket handshake, so a missing Origin means a
 * non-browser client (mobile app, server), which cross-site attacks cannot use.
 * - Origin listed in CORS_ORIGINS → allowed.
 * - CORS_ORIGINS empty, outside production → same-origin pages (the playground) allowed too.
 * - Anything else → refused with 403.
 */
export function isAllowedOrigin(
  origin: string | undefined,
  host: string | undefined,
  allowList: readonly string[],
  production: boolean,
): boolean {
  if (!origin) return true;
  const normalized = normalize(origin);
  if (normalized === null) return false;
  if (allowList.some((allowed) => normalize(allowed) === normalized)) return true;
  if (allowList.length === 0 && !production && host) {
    return new URL(normalized).host === host.toLowerCase();
  }
  return false;
}

function normalize(origin: string): string | null {
  try {
    const url = new URL(origin);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
    return url.origin.toLowerCase();
  } catch {
    return null;
  }
}
