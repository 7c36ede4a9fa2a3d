import type { Request, RequestHandler } from 'express';
import { persistedQueryNotFound, type TrustedDocuments } from './trusted-documents';

/** The document text of a POST body, or of a GET's query string (given once). */
function queryOf(req: Request): unknown {
  if (req.method === 'GET') {
    const values = new URL(req.originalUrl, 'http://query.invalid').searchParams.getAll('query');
    return values.length === 1 ? values[0] : undefined;
  }
  const body: unknown = req.body;
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return undefined;
  return (body as { query?: unknown }).query;
}

/**
 * TRUSTED_DOCUMENTS=require over HTTP: a document sent as text runs only when its exact text is
 * in the manifest; otherwise PERSISTED_QUERY_NOT_FOUND with Apollo's status and caching for that
 * answer (200, never cached), before anything parses it. Documents sent by hash alone are
 * resolved by the persisted-query cache (TrustedDocuments.persistedQueryCache).
 */
export function requireTrustedDocuments(trusted: TrustedDocuments): RequestHandler {
  return (req, res, next) => {
    const query = queryOf(req);
    if (typeof query !== 'string' || trusted.trusts(query)) return next();
    const error = persistedQueryNotFound();
    res
      .status(200)
      .set('cache-control', 'private, no-cache, must-revalidate')
      .json({ errors: [{ message: error.message, extensions: { code: error.extensions.code } }] });
  };
}
