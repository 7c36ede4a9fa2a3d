import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { createLoaders, type Loaders } from '../loaders/loaders';
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

/** Reads "Bearer <token>" and resolves it to a live session (null: none, unknown, revoked, expired). */
export async function resolveViewer(
  services: Services,
  authorization: string | undefined | null,
): Promise<Viewer | null> {
  const match = /^Bearer\s+(\S+)$/i.exec(authorization?.trim() ?? '');
  return match ? services.sessions.resolve(match[1]) : null;
}

/**
 * The context of one HTTP request or socket operation. Its loaders and logger are made when
 * first used: a live subscription's context lives as long as its socket, and its events use
 * loaders of their own, so most never need either.
 */
export async function createContext(services: Services, source: ContextSource): Promise<Context> {
  const requestId = source.requestId ?? randomUUID();
  const viewer =
    source.knownViewer !== undefined
      ? source.knownViewer
      : await resolveViewer(services, source.authorization);
  let loaders: Loaders | undefined;
  let logger: Logger | undefined;
  return {
    requestId,
    viewer,
    invalidToken: Boolean(source.authorization) && !viewer,
    ip: source.ip,
    userAgent: source.userAgent,
    get loaders(): Loaders {
      return (loaders ??= createLoaders(services.dataSource, viewer?.user.id ?? null));
    },
    set loaders(fresh: Loaders) {
      loaders = fresh;
    },
    services,
    get logger(): Logger {
      return (logger ??= services.logger.child({ requestId, userId: viewer?.user.id }));
    },
  };
}
