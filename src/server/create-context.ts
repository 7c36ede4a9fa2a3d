import { randomUUID } from 'node:crypto';
import { GraphQLError } from 'graphql';
import type { Logger } from 'pino';
import { createLoaders, type Loaders } from '../loaders/loaders';
import type { Viewer } from '../accounts/session.service';
import { isRateLimited } from '../errors/errors';
import type { Services } from '../services';
import type { Context, ResolverServices } from '../../resolvers/context';

/** What a context is made of: what resolvers may call, plus its loaders' sources and logger. */
type ContextParts = ResolverServices & Pick<Services, 'loaderSources' | 'logger'>;

export interface ContextSource {
  authorization: string | undefined | null;
  ip: string;
  userAgent: string | null;
  requestId?: string;
  /** Already resolved for this connection (a socket's subscriptions): not looked up again. */
  knownViewer?: Viewer | null;
  /** The token was admitted when its socket connected: no invalid-token budget again. */
  tokenAdmitted?: boolean;
}

/** The token of "Bearer <token>", or null. */
const bearerToken = (authorization: string | undefined | null): string | null =>
  /^Bearer\s+(\S+)$/i.exec(authorization?.trim() ?? '')?.[1] ?? null;

/**
 * Reads "Bearer <token>" and resolves it to a live session (null: none, unknown, revoked,
 * expired). Each token that matches no session costs a database read, so an address has a
 * budget of them (INVALID_TOKEN_BUDGET_PER_IP): once spent, its tokens are refused with
 * RATE_LIMITED before the read, valid or not, until the window ends.
 */
export async function resolveViewer(
  services: Pick<Services, 'rateLimits' | 'sessions'>,
  authorization: string | undefined | null,
  ip: string,
): Promise<Viewer | null> {
  const token = bearerToken(authorization);
  if (!token) return null;
  services.rateLimits.refuseIfSpent('invalidTokensPerIp', ip);
  const viewer = await services.sessions.resolve(token);
  if (!viewer) await services.rateLimits.penalize('invalidTokensPerIp', ip);
  return viewer;
}

/** An HTTP request refused before it ran: 429 with Retry-After, the body as the contract says. */
export function asHttpRefusal(error: unknown): unknown {
  if (!isRateLimited(error)) return error;
  const headers = new Map([['retry-after', String(error.extensions.retryAfterSeconds)]]);
  return new GraphQLError(error.message, {
    extensions: { ...error.extensions, http: { status: 429, headers } },
  });
}

/** A socket's operation: its token passed the budget at connect and is only looked up again. */
async function admittedViewer(
  services: Pick<Services, 'sessions'>,
  authorization: string | undefined | null,
): Promise<Viewer | null> {
  const token = bearerToken(authorization);
  return token ? services.sessions.resolve(token) : null;
}

/**
 * The context of one HTTP request or socket operation. Its loaders and logger are made when
 * first used: a live subscription's context lives as long as its socket, and its events use
 * loaders of their own, so most never need either.
 */
export async function createContext(
  services: ContextParts,
  source: ContextSource,
): Promise<Context> {
  const requestId = source.requestId ?? randomUUID();
  const viewer =
    source.knownViewer !== undefined
      ? source.knownViewer
      : source.tokenAdmitted
        ? await admittedViewer(services, source.authorization)
        : await resolveViewer(services, source.authorization, source.ip).catch((error: unknown) => {
            throw asHttpRefusal(error);
          });
  let loaders: Loaders | undefined;
  let logger: Logger | undefined;
  return {
    requestId,
    viewer,
    invalidToken: Boolean(source.authorization) && !viewer,
    ip: source.ip,
    userAgent: source.userAgent,
    get loaders(): Loaders {
      return (loaders ??= createLoaders(services.loaderSources, viewer?.user.id ?? null));
    },
    set loaders(fresh: Loaders) {
      loaders = fresh;
    },
    freshLoaders: () => createLoaders(services.loaderSources, viewer?.user.id ?? null),
    services,
    get logger(): Logger {
      return (logger ??= services.logger.child({ requestId, userId: viewer?.user.id }));
    },
  };
}
