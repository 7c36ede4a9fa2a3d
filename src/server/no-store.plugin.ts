import type { ApolloServerPlugin } from '@apollo/server';

/**
 * Every GraphQL answer is `cache-control: no-store`: answers depend on who asks. Apollo's
 * cache-control plugin computed the same header from per-field hints this schema never sets,
 * at the cost of a hook on every resolved field; it is disabled in create-server.ts.
 */
export function noStorePlugin<T extends object>(): ApolloServerPlugin<T> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ response }) {
          response.http.headers.set('cache-control', 'no-store');
        },
      };
    },
  };
}
