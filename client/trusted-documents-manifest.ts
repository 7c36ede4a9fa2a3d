import { createHash } from 'node:crypto';
import * as operations from './generated/graphql';
import { relayOperations } from './relay/operations';

/** The manifest's key for a document: the lower-case hex SHA-256 of its text, as sent. */
export const documentHash = (text: string): string =>
  createHash('sha256').update(text, 'utf8').digest('hex');

/**
 * Every first-party operation (client/operations/, as generated into client/generated/, and
 * the Relay client's, as relay-compiler wrote them), by the hash of the exact text the kit,
 * the web page and the Relay network send. Fragments are never sent alone, only inside the
 * operations that spread them.
 */
export function trustedDocumentManifest(): Record<string, string> {
  const generated = Object.values(operations as Record<string, unknown>).flatMap((value) =>
    value instanceof operations.TypedDocumentString && !value.__meta__?.fragmentName
      ? [value.toString()]
      : [],
  );
  const relay = relayOperations.flatMap(({ params }) => (params.text == null ? [] : [params.text]));
  const entries = [...generated, ...relay].map((text) => [documentHash(text), text] as const);
  return Object.fromEntries(entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** The manifest as written to client/trusted-documents.json. */
export const manifestJson = (): string => `${JSON.stringify(trustedDocumentManifest(), null, 2)}\n`;
