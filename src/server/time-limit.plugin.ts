import type { ApolloServerPlugin } from '@apollo/server';
import { withOneTimeLimit } from './graphql/execution-deadline';

/**
 * An operation stopped at its execution deadline answers with one TIME_LIMIT error, however
 * many fields were refused on their way out.
 */
export function timeLimitPlugin<T extends object>(): ApolloServerPlugin<T> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ response }) {
          if (response.body.kind !== 'single') return;
          const errors = response.body.singleResult.errors;
          if (errors && errors.length > 1)
            response.body.singleResult.errors = withOneTimeLimit(errors);
        },
      };
    },
  };
}
