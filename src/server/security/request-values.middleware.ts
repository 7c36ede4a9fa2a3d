import type { Request, RequestHandler } from 'express';
import { requestValuesError, type RequestValues } from './request-values';

/** A query-string parameter as Apollo reads it: JSON, given once; anything else is Apollo's to refuse. */
function searchJson(params: URLSearchParams, name: string): unknown {
  const values = params.getAll(name);
  if (values.length !== 1) return undefined;
  try {
    return JSON.parse(values[0]) as unknown;
  } catch {
    return undefined;
  }
}

/** `variables` and `extensions` of a POST body, or of a GET's query string. */
function valuesOf(req: Request): RequestValues | null {
  if (req.method === 'GET') {
    const params = new URL(req.originalUrl, 'http://query.invalid').searchParams;
    return {
      variables: searchJson(params, 'variables'),
      extensions: searchJson(params, 'extensions'),
    };
  }
  const body: unknown = req.body;
  // A batch (an array) or a body that is no object: Apollo refuses its shape itself.
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return null;
  const { variables, extensions } = body as RequestValues;
  return { variables, extensions };
}

/**
 * The HTTP edge for a request's JSON values (request-values.ts), after the body is parsed and
 * before Apollo or any plugin sees it: V8's JSON.parse does not recurse, so nothing has walked
 * the values yet. A refusal is HTTP 400 with BAD_USER_INPUT naming the value.
 */
export const boundRequestValues: RequestHandler = (req, res, next) => {
  const values = valuesOf(req);
  const error = values && requestValuesError(values);
  if (!error) return next();
  res.status(400).json({
    errors: [
      {
        message: error.message,
        extensions: { code: error.extensions.code, field: error.extensions.field },
      },
    ],
  });
};
