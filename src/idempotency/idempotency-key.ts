import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import canonicalize from 'canonicalize';

/** Visible ASCII, 8 to 255 characters (a UUID is the usual choice). */
const KEY_FORMAT = /^[\x21-\x7e]{8,255}$/;

export const isWellFormedKey = (key: string): boolean => KEY_FORMAT.test(key);

/** What is stored instead of the key: only a client holding the key can find or read its row. */
export const keyHash = (key: string): Buffer =>
  createHash('sha256').update('teamgraph idempotency key\0').update(key).digest();

/** The request a key was first used with: document, operation name and variables. */
export function requestHash(request: {
  query: string;
  operationName?: string | null;
  variables?: Record<string, unknown> | null;
}): Buffer {
  const canonical =
    canonicalize({
      query: request.query,
      operationName: request.operationName ?? null,
      variables: request.variables ?? {},
    }) ?? '';
  return createHash('sha256').update(canonical).digest();
}

/**
 * Answers can carry secrets (a sign-up's session token): they are stored encrypted
 * (AES-256-GCM) under a key derived from the idempotency key, which the server never stores.
 */
const cipherKey = (key: string): Buffer =>
  createHash('sha256').update('teamgraph idempotency answer\0').update(key).digest();

export function sealAnswer(key: string, answer: unknown): Buffer {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', cipherKey(key), iv);
  const body = Buffer.concat([cipher.update(JSON.stringify(answer), 'utf8'), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), body]);
}

export function openAnswer<T>(key: string, sealed: Buffer): T {
  const decipher = createDecipheriv('aes-256-gcm', cipherKey(key), sealed.subarray(0, 12));
  decipher.setAuthTag(sealed.subarray(12, 28));
  const text = Buffer.concat([decipher.update(sealed.subarray(28)), decipher.final()]);
  return JSON.parse(text.toString('utf8')) as T;
}
