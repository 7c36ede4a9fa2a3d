import type { RequestHandler, Response } from 'express';
import { ErrorCode } from '../../errors/error-codes';

/**
 * Answers 413 as soon as a body is known to be too large — from Content-Length up front, or
 * while a chunked body streams in — and closes the connection after the answer. (The JSON parser alone
 * would first read off the rest of the body to keep the connection, however long it is.)
 */
export function limitBody(maxBytes: number): RequestHandler {
  const refuse = (res: Response) => {
    if (res.headersSent) return;
    res.setHeader('connection', 'close');
    res.status(413).json({
      errors: [
        {
          message: `Request body over ${maxBytes} bytes.`,
          extensions: { code: ErrorCode.BAD_USER_INPUT },
        },
      ],
    });
  };
  return (req, res, next) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > maxBytes) return refuse(res);
    let seen = 0;
    // Counts alongside the JSON parser (both listeners see every chunk).
    req.on('data', (chunk: Buffer) => {
      seen += chunk.length;
      if (seen > maxBytes) refuse(res);
    });
    next();
  };
}
