/**
 * The accept link e-mailed to the invitee, always built from the configured public URL (never
 * from a request's Host header, which a caller controls). The token travels in the fragment,
 * which browsers never send to servers, so it stays out of access logs and Referer headers.
 */
export function invitationLink(publicUrl: string, token: string): string {
  const base = publicUrl.endsWith('/') ? publicUrl : `${publicUrl}/`;
  const url = new URL('invitations/accept', base);
  url.hash = `token=${token}`;
  return url.toString();
}
