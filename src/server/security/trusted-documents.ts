import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { KeyValueCache } from '@apollo/utils.keyvaluecache';
import { GraphQLError } from 'graphql';
import { badInput } from '../../errors/errors';
import { persistedQueryHash } from './persisted-query-hash';

/** Where the build writes the first-party operations (relative to the working directory). */
export const TRUSTED_DOCUMENTS_FILE = 'client/trusted-documents.json';

/** Apollo keeps automatic persisted queries under this prefix in its cache. */
const APQ_PREFIX = 'apq:';

const HASH_FIELD = 'extensions.persistedQuery.sha256Hash';

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

/** The answer to a document that is not trusted: what APQ clients expect for an unknown hash. */
export const persistedQueryNotFound = () =>
  new GraphQLError('PersistedQueryNotFound', {
    extensions: { code: 'PERSISTED_QUERY_NOT_FOUND' },
  });

/** The manifest of first-party operations (`sha256 → document`) and the policy for the rest. */
export class TrustedDocuments {
  private constructor(
    private readonly byHash: ReadonlyMap<string, string>,
    /** Only the manifest's documents run (TRUSTED_DOCUMENTS=require). */
    readonly required: boolean,
  ) {}

  static load(required: boolean, file = TRUSTED_DOCUMENTS_FILE): TrustedDocuments {
    const manifest = JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>;
    // A manifest edited by hand could name a document by another's hash: refuse to start.
    for (const [hash, text] of Object.entries(manifest)) {
      if (sha256(text) !== hash) throw new Error(`${file}: ${hash} is not its document's SHA-256`);
    }
    return new TrustedDocuments(new Map(Object.entries(manifest)), required);
  }

  /** The manifest's document with this hash, if any. */
  document(hash: string): string | undefined {
    return this.byHash.get(hash);
  }

  /** Whether a document's text, exactly, is in the manifest. */
  trusts(text: string): boolean {
    return this.byHash.has(sha256(text));
  }

  /**
   * The text to run for a WebSocket `subscribe` (graphql-ws has no persisted queries of its
   * own): an empty query with a hash is the manifest's document; a query with a hash must
   * match it; under `require` the text must be in the manifest. A malformed hash is left to
   * the request-values check.
   */
  resolve(query: string, extensions: unknown): { query: string } | { error: GraphQLError } {
    const hash = persistedQueryHash(extensions);
    if (hash && !query) {
      const known = this.document(hash);
      return known ? { query: known } : { error: persistedQueryNotFound() };
    }
    if (hash && sha256(query) !== hash)
      return { error: badInput(HASH_FIELD, `${HASH_FIELD} does not match the document.`) };
    if (this.required && !this.trusts(query)) return { error: persistedQueryNotFound() };
    return { query };
  }

  /**
   * Apollo's persisted-query cache with the manifest in front: a manifest hash always finds its
   * document; under `require` nothing else is found and registrations are dropped.
   */
  persistedQueryCache(registered: KeyValueCache<string>): KeyValueCache<string> {
    return {
      get: async (key) => {
        const known = key.startsWith(APQ_PREFIX) && this.document(key.slice(APQ_PREFIX.length));
        if (known) return known;
        return this.required ? undefined : registered.get(key);
      },
      set: async (key, value, options) => {
        if (!this.required) await registered.set(key, value, options);
      },
      delete: async (key) => {
        if (!this.required) await registered.delete(key);
      },
    };
  }
}
