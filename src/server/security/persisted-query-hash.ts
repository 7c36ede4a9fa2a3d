import type { GraphQLError } from 'graphql';
import { badInput } from '../../errors/errors';

/** What automatic persisted queries name a document by: its SHA-256 in lower-case hex. */
const SHA256_HEX = /^[0-9a-f]{64}$/;

const FIELD = 'extensions.persistedQuery.sha256Hash';

/** The well-formed `extensions.persistedQuery.sha256Hash` of a request, if it has one. */
export function persistedQueryHash(extensions: unknown): string | undefined {
  if (typeof extensions !== 'object' || extensions === null) return undefined;
  const persisted = (extensions as { persistedQuery?: unknown }).persistedQuery;
  const hash =
    typeof persisted === 'object' && persisted !== null
      ? (persisted as { sha256Hash?: unknown }).sha256Hash
      : undefined;
  return typeof hash === 'string' && SHA256_HEX.test(hash) ? hash : undefined;
}

/**
 * A malformed `extensions.persistedQuery` (not an object, or a hash that is not 64 lower-case
 * hex digits) is the client's error, BAD_USER_INPUT. Only a well-formed hash the server does
 * not know is PERSISTED_QUERY_NOT_FOUND, the answer that tells a client to send the document.
 */
export function persistedQueryHashError(extensions: unknown): GraphQLError | null {
  if (typeof extensions !== 'object' || extensions === null) return null;
  const persisted = (extensions as { persistedQuery?: unknown }).persistedQuery;
  if (persisted === undefined || persistedQueryHash(extensions)) return null;
  return badInput(FIELD, `${FIELD} must be a SHA-256 in lower-case hex (64 digits).`);
}
