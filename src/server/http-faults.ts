import { randomUUID } from 'node:crypto';
import type { Socket } from 'node:net';
import type { ErrorRequestHandler } from 'express';
import { ErrorCode } from '../errors/error-codes';
import type { Logger } from '../logging/logger';
import { INTERNAL_MESSAGE } from './format-error';

/** What Node itself answers to a request it could not parse, by its error code. */
const CLIENT_ERROR_STATUS: Record<string, string> = {
  HPE_HEADER_OVERFLOW: '431 Request Header Fields Too Large',
  ERR_HTTP_REQUEST_TIMEOUT: '408 Request Timeout',
};

/**
 * The HTTP server's 'clientError' (a request line or headers Node cannot parse, headers over
 * its size limit): the answer Node would give, and one JSON warning with an id for the request
 * that never became one.
 */
export function answerClientErrors(logger: Logger) {
  return (error: Error & { code?: string }, socket: Socket): void => {
    logger.warn(
      {
        event: 'http.client_error',
        requestId: randomUUID(),
        code: error.code ?? null,
        ip: socket.remoteAddress,
      },
      'http request refused: malformed',
    );
    // As Node does: a response already under way on this connection is not interrupted by a
    // second status line (node:http keeps it as the socket's `_httpMessage`).
    const answering = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage
      ?.headersSent;
    if (error.code === 'ECONNRESET' || !socket.writable || answering) {
      socket.destroy();
      return;
    }
    const status = CLIENT_ERROR_STATUS[error.code ?? ''] ?? '400 Bad Request';
    socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
  };
}

/**
 * The last error handler: whatever a handler threw is logged as one JSON line with the request
 * id, and answered 500 with the masked message (Express's own handler prints plain text).
 */
export function unexpectedHttpErrors(logger: Logger): ErrorRequestHandler {
  return (error: unknown, req, res, _next) => {
    logger.error(
      {
        event: 'http.unexpected_error',
        requestId: res.locals.requestId ?? null,
        method: req.method,
        err: error,
      },
      'unexpected error',
    );
    if (res.headersSent) {
      res.destroy();
      return;
    }
    res.status(500).json({
      errors: [
        { message: INTERNAL_MESSAGE, extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR } },
      ],
    });
  };
}
