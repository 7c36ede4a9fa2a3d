import type { ConcreteRequest } from 'relay-runtime';
import itemCreateMutation from './__generated__/itemCreateMutation.graphql';
import itemQuery from './__generated__/itemQuery.graphql';
import itemRefetchQuery from './__generated__/itemRefetchQuery.graphql';
import itemUpdateMutation from './__generated__/itemUpdateMutation.graphql';
import teamActivityPaginationQuery from './__generated__/teamActivityPaginationQuery.graphql';
import teamActivityQuery from './__generated__/teamActivityQuery.graphql';
import teamActivitySubscription from './__generated__/teamActivitySubscription.graphql';
import teamMembersPaginationQuery from './__generated__/teamMembersPaginationQuery.graphql';
import teamMembersQuery from './__generated__/teamMembersQuery.graphql';

/**
 * Every operation relay-compiler wrote, with the pagination and refetch queries it generated:
 * their texts join the trusted-document manifest. test/relay-client.test.ts fails when an
 * artifact is missing here.
 */
export const relayOperations: readonly ConcreteRequest[] = [
  itemCreateMutation,
  itemQuery,
  itemRefetchQuery,
  itemUpdateMutation,
  teamActivityPaginationQuery,
  teamActivityQuery,
  teamActivitySubscription,
  teamMembersPaginationQuery,
  teamMembersQuery,
];
