import { Client, type ClientConfig } from 'pg';

/**
 * A pg Client of its own, outside the pool (backups, start-up probes, admin statements). When
 * its connection is lost, pg fails whatever is in flight and also emits 'error' on the client;
 * an 'error' event nobody listens to ends the process, so one is heard here. The work in
 * flight still fails with the error, and later queries fail as not queryable.
 */
export function standaloneClient(config: ClientConfig): Client {
  const client = new Client(config);
  client.on('error', () => undefined);
  return client;
}
