import type { ApolloServerPlugin } from '@apollo/server';

/**
 * Apollo answers every non-query over GET with 405 and `Allow: POST`: right for a mutation (the
 * GraphQL-over-HTTP spec), wrong for a subscription, which POST does not serve either. That one
 * is 400, as over POST: subscriptions are served over WebSocket.
 */
export function subscriptionOverGetPlugin<T extends object>(): ApolloServerPlugin<T> {
  return {
    async requestDidStart({ request }) {
      if (request.http?.method !== 'GET') return;
      return {
        async willSendResponse({ response, operation }) {
          if (operation?.operation !== 'subscription' || response.http.status !== 405) return;
          response.http.status = 400;
          response.http.headers.delete('allow');
        },
      };
    },
  };
}
