import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { createLoaders } from '../loaders/loaders';
import type { Viewer } from '../accounts/session.service';
import type { Services } from '../services';
import type { Context } from '../../resolvers/context';

export interface ContextSource {
  authorization: string | undefined | null;
  ip: string;
  userAgent: string | null;
  requestId?: string;
  /** Already resolved for this connection (a socket's subscriptions): not looked up again. */
  knownViewer?: Viewer | null;
}

/** Reads "Bearer <token>" and resolves it to a live session (or anonymous). */
export async function createContext(services: Services, source: ContextSource): Promise<Context> {
  const requestId = source.requestId ?? randomUUID();
  const match = /^Bearer\s+(\S+)$/i.exec(source.authorization?.trim() ?? '');
  const viewer =
    source.knownViewer !== undefined
      ? source.knownViewer
      : match
        ? await services.sessions.resolve(match[1])
        : null;
  // Made on first use: most requests log nothing at the default level.
  let logger: Logger | undefined;
  return {
    requestId,
    viewer,
    invalidToken: Boolean(source.authorization) && !viewer,
    ip: source.ip,
    userAgent: source.userAgent,
    loaders: createLoaders(services.dataSource, viewer?.user.id ?? null),
    services,
    get logger() {
      logger ??= services.logger.child({ requestId, userId: viewer?.user.id });
      return logger;
    },
  };
}
