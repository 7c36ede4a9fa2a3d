import {
  commitMutation,
  type Environment,
  type GraphQLTaggedNode,
  type MutationParameters,
} from 'relay-runtime';

/**
 * commitMutation as a promise: resolves with the response once Relay has written it to the
 * store, rejects with the network's error (a TeamgraphError carrying the contract's code).
 */
export function commit<TMutation extends MutationParameters>(
  environment: Environment,
  mutation: GraphQLTaggedNode,
  variables: TMutation['variables'],
): Promise<TMutation['response']> {
  return new Promise((resolve, reject) => {
    commitMutation<TMutation>(environment, {
      mutation,
      variables,
      onCompleted: (response, errors) => {
        if (errors?.length) reject(new Error(errors.map((e) => e.message).join('; ')));
        else resolve(response);
      },
      onError: reject,
    });
  });
}
