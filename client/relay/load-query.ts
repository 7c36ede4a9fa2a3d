import {
  createOperationDescriptor,
  fetchQuery,
  type ConcreteRequest,
  type Environment,
  type OperationType,
} from 'relay-runtime';

export interface LoadedQuery<TQuery extends OperationType> {
  data: TQuery['response'];
  /** Releases the query's data to the store's garbage collector. */
  dispose(): void;
}

/**
 * What useLazyLoadQuery does, without React: fetches from the network and retains the result,
 * so the store keeps its records (and every page later merged into its connections) until
 * `dispose`.
 */
export async function loadQuery<TQuery extends OperationType>(
  environment: Environment,
  query: ConcreteRequest,
  variables: TQuery['variables'],
): Promise<LoadedQuery<TQuery>> {
  const operation = createOperationDescriptor(query, variables);
  const retained = environment.retain(operation);
  try {
    await fetchQuery<TQuery>(environment, query, variables, {
      fetchPolicy: 'network-only',
    }).toPromise();
  } catch (error) {
    retained.dispose();
    throw error;
  }
  const data = environment.lookup(operation.fragment).data as TQuery['response'];
  return { data, dispose: () => retained.dispose() };
}
