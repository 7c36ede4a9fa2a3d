/**
 * Apollo Client 4 on Node 20 against teamgraph: queries and mutations over HTTP, a live feed
 * over graphql-ws, and errors as CombinedGraphQLErrors. Run it:
 *   TEAMGRAPH_URL=http://localhost:4000/graphql TOKEN=… TEAM_ID=… \
 *     node -r ./test/support/swc-register.cjs client/examples/apollo-node.ts
 */
import { ApolloClient, ApolloLink, HttpLink, InMemoryCache } from '@apollo/client';
import { CombinedGraphQLErrors } from '@apollo/client/errors';
import { GraphQLWsLink } from '@apollo/client/link/subscriptions';
import { parse } from 'graphql';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import {
  CreateItemDocument,
  ItemDocument,
  TeamActivityDocument,
  TeamPageDocument,
  type CreateItemMutation,
  type ItemQuery,
  type TeamActivitySubscription,
  type TeamPageQuery,
} from '../generated/graphql';

export interface ApolloExampleResult {
  teamName: string;
  /** extensions.code of a refused query, read from CombinedGraphQLErrors. */
  refusedCode: unknown;
  /** The seq of the item created here, as the live feed delivered it. */
  liveSeq: number;
}

/** Apollo wants parsed documents; the generated ones are strings. */
const doc = (operation: { toString(): string }) => parse(operation.toString());

export async function runApolloExample(options: {
  url: string;
  token: string;
  teamId: string;
}): Promise<ApolloExampleResult> {
  const { url, token, teamId } = options;
  // Node 20 has no global WebSocket: graphql-ws needs one passed in (or globalThis.WebSocket set).
  const ws = createClient({
    url: url.replace(/^http/, 'ws'),
    webSocketImpl: WebSocket,
    connectionParams: { authorization: `Bearer ${token}` },
    // A 4401/4403 close means the session is gone: retrying cannot help.
    shouldRetry: (event) =>
      !(
        typeof event === 'object' &&
        event !== null &&
        [4401, 4403].includes((event as { code?: number }).code ?? 0)
      ),
  });
  const http = new HttpLink({ uri: url, headers: { authorization: `Bearer ${token}` } });
  const link = ApolloLink.split(
    ({ operationType }) => operationType === 'subscription',
    new GraphQLWsLink(ws),
    http,
  );
  const client = new ApolloClient({ link, cache: new InMemoryCache() });
  try {
    const { data } = await client.query<TeamPageQuery>({
      query: doc(TeamPageDocument),
      variables: { teamId },
    });

    // Apollo Client 4 rejects with CombinedGraphQLErrors; the contract's code is in extensions.
    let refusedCode: unknown;
    try {
      await client.query<ItemQuery>({
        query: doc(ItemDocument),
        variables: { id: '00000000-0000-4000-8000-000000000000' },
      });
    } catch (error) {
      if (!CombinedGraphQLErrors.is(error)) throw error;
      refusedCode = error.errors[0]?.extensions?.code;
    }

    // afterSeq must be built for each subscribe: graphql-ws's own retry re-sends these same
    // variables, so a long-lived feed should resubscribe itself (or use the kit's follow).
    const { data: created } = await client.mutate<CreateItemMutation>({
      mutation: doc(CreateItemDocument),
      variables: { teamId, input: { title: 'From Apollo on Node', content: {} } },
    });
    const liveSeq = await new Promise<number>((resolve, reject) => {
      const subscription = client
        .subscribe<TeamActivitySubscription>({
          query: doc(TeamActivityDocument),
          variables: { teamId, afterSeq: 0 },
        })
        .subscribe({
          next: ({ data: event, error }) => {
            if (error) return reject(error);
            if (event && event.teamActivity.subjectId === created?.createItem.id) {
              subscription.unsubscribe();
              resolve(event.teamActivity.seq);
            }
          },
          error: reject,
        });
    });
    return { teamName: data!.team.name, refusedCode, liveSeq };
  } finally {
    client.stop();
    await ws.dispose();
  }
}

if (require.main === module) {
  const { TEAMGRAPH_URL = 'http://localhost:4000/graphql', TOKEN = '', TEAM_ID = '' } = process.env;
  runApolloExample({ url: TEAMGRAPH_URL, token: TOKEN, teamId: TEAM_ID }).then(
    (result) => console.log(result),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
