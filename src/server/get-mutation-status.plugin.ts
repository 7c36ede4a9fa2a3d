import type { ApolloServerPlugin } from '@apollo/server';

/**
 * Apollo answers a mutation sent over GET with 405; our hostile-input contract (CSRF and
 * side effects over GET) promises 400, the same status as the other refused request shapes.
 * The operation never runs either way; only the status differs.
 */
export function getMutationStatusPlugin<T extends object>(): ApolloServerPlugin<T> {
  return {
    async requestDidStart({ request }) {
      if (request.http?.method !== 'GET') return;
      return {
        async willSendResponse({ response }) {
          if (response.http.status === 405) response.http.status = 400;
        },
      };
    },
  };
}
