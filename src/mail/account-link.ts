/**
 * A link in an account e-mail, always built from the configured public URL (never from a
 * request's Host header). The token travels in the fragment, which browsers never send to
 * servers, so it stays out of access logs and Referer headers.
 */
export function accountLink(publicUrl: string, page: string, token: string): string {
  const base = publicUrl.endsWith('/') ? publicUrl : `${publicUrl}/`;
  const url = new URL(page, base);
  url.hash = `token=${token}`;
  return url.toString();
}
