import manifest from '../trusted-documents.json';

/** The manifest (client/trusted-documents.json) the other way round: a document's text → its hash. */
const hashOfText = new Map(Object.entries(manifest).map(([hash, text]) => [text, hash]));

/** How a request names its document: its text, or (a trusted document) its SHA-256 alone. */
export interface DocumentPayload {
  query?: string;
  extensions?: { persistedQuery: { version: 1; sha256Hash: string } };
}

/**
 * With `byHash`, a first-party operation is sent as `extensions.persistedQuery.sha256Hash`
 * without its text (every server knows the manifest; TRUSTED_DOCUMENTS=require runs nothing
 * else). Any other document is sent as its text.
 */
export function documentPayload(text: string, byHash: boolean): DocumentPayload {
  const hash = byHash ? hashOfText.get(text) : undefined;
  return hash
    ? { extensions: { persistedQuery: { version: 1, sha256Hash: hash } } }
    : { query: text };
}
