import { Environment, RecordSource, Store } from 'relay-runtime';
import { createRelayNetwork, type RelayNetworkOptions } from './network';

export interface RelayClient {
  environment: Environment;
  /** Closes the subscriptions' socket. */
  close(): Promise<void>;
}

/** A Relay environment on teamgraph: one store, the network of ./network. */
export function createRelayClient(options: RelayNetworkOptions): RelayClient {
  const { network, ws } = createRelayNetwork(options);
  const environment = new Environment({ network, store: new Store(new RecordSource()) });
  return { environment, close: () => ws.dispose() as Promise<void> };
}
