import { HeaderMap, type ApolloServerPlugin, type GraphQLResponse } from '@apollo/server';
import { GraphQLError, type FormattedExecutionResult } from 'graphql';
import type { Context } from '../../resolvers/context';
import { ErrorCode } from '../errors/error-codes';
import { isWellFormedKey, requestHash } from '../idempotency/idempotency-key';
import type { IdempotencyStore, StoredAnswer } from '../idempotency/idempotency-store';

export const IDEMPOTENCY_HEADER = 'idempotency-key';
/** Set on an answer that is a stored first answer, not a new run. */
export const REPLAYED_HEADER = 'idempotent-replayed';

/** How long a retry waits for the first request with its key to finish. */
const WAIT_FOR_FIRST_MS = 10_000;
/** A claim this old without an answer belongs to a process that died while running it. */
const ABANDONED_MS = 5 * 60_000;

/** Refusals that happen before a mutation changes anything: a retry may run it again. */
const NOTHING_DONE = new Set<string>([
  ErrorCode.BAD_USER_INPUT,
  ErrorCode.UNAUTHENTICATED,
  ErrorCode.FORBIDDEN,
  ErrorCode.NOT_FOUND,
  ErrorCode.RATE_LIMITED,
]);

const refusal = (status: number, message: string): GraphQLResponse => {
  const headers = new HeaderMap();
  headers.set('content-type', 'application/json; charset=utf-8');
  return {
    http: { status, headers },
    body: {
      kind: 'single',
      singleResult: { errors: [{ message, extensions: { code: ErrorCode.CONFLICT } }] },
    },
  };
};

const replay = (answer: StoredAnswer): GraphQLResponse => {
  const headers = new HeaderMap();
  headers.set('content-type', 'application/json; charset=utf-8');
  headers.set(REPLAYED_HEADER, 'true');
  return {
    http: { status: answer.status, headers },
    body: { kind: 'single', singleResult: answer.body as FormattedExecutionResult },
  };
};

/** True when no root field ran to a value and every error is a refusal that changes nothing. */
function changedNothing(result: FormattedExecutionResult): boolean {
  const values = Object.values(result.data ?? {});
  if (values.some((value) => value !== null)) return false;
  const errors = result.errors ?? [];
  return errors.length > 0 && errors.every((e) => NOTHING_DONE.has(String(e.extensions?.code)));
}

/**
 * The `Idempotency-Key` header on HTTP mutations (API.md "Operators"): scoped to the caller,
 * kept 24 h. A retry with the same key and body gets the first answer back (with
 * `Idempotent-Replayed: true`) without running the mutation again; a concurrent retry waits
 * for the first to finish. The same key with another body is CONFLICT (409).
 */
export function idempotencyPlugin(store: IdempotencyStore): ApolloServerPlugin<Context> {
  return {
    async requestDidStart({ request }) {
      const key = request.http?.headers.get(IDEMPOTENCY_HEADER);
      if (key === undefined) return;
      let owner: { scope: string } | null = null;
      return {
        async didResolveOperation() {
          if (!isWellFormedKey(key))
            throw new GraphQLError('Idempotency-Key must be 8 to 255 visible ASCII characters.', {
              extensions: {
                code: ErrorCode.BAD_USER_INPUT,
                field: 'Idempotency-Key',
                http: { status: 400 },
              },
            });
        },
        async responseForOperation({ operation, source, request: req, contextValue }) {
          // Queries are safe to repeat: the key only matters for mutations.
          if (operation.operation !== 'mutation') return null;
          const viewer = contextValue.viewer;
          const scope = viewer ? `user:${viewer.user.id}` : 'anonymous';
          const hash = requestHash({
            query: source,
            operationName: req.operationName,
            variables: req.variables,
          });
          const started = Date.now();
          for (let delay = 20; ; delay = Math.min(delay * 2, 500)) {
            const claim = await store.claim(scope, key, hash);
            if (claim.kind === 'owner') {
              owner = { scope };
              return null;
            }
            if (claim.kind === 'done') return replay(claim.answer);
            if (claim.kind === 'mismatch')
              return refusal(409, 'This Idempotency-Key was used with another request.');
            if (Date.now() - claim.claimedAt.getTime() > ABANDONED_MS)
              return refusal(
                409,
                'An earlier request with this Idempotency-Key did not finish; check its effect, then retry with a new key.',
              );
            if (Date.now() - started > WAIT_FOR_FIRST_MS)
              return refusal(409, 'A request with this Idempotency-Key is still running.');
            await new Promise((resolve) => setTimeout(resolve, delay));
          }
        },
        async willSendResponse({ response, contextValue }) {
          if (!owner) return;
          const { scope } = owner;
          const body = response.body;
          // The answer goes out either way; a key left pending makes retries wait, then 409.
          const answerKept =
            body.kind !== 'single' || changedNothing(body.singleResult)
              ? store.release(scope, key)
              : store.complete(scope, key, {
                  status: response.http.status ?? 200,
                  body: body.singleResult,
                });
          await answerKept.catch((error: unknown) =>
            contextValue.logger.error(
              { event: 'idempotency.store_failed', err: error },
              'idempotency answer not stored',
            ),
          );
        },
      };
    },
  };
}
