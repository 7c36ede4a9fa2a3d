export { createRelayClient, type RelayClient } from './environment';
export { createRelayNetwork, type RelayNetwork, type RelayNetworkOptions } from './network';
export { loadQuery, type LoadedQuery } from './load-query';
export { viewFragment, type FragmentKey, type FragmentView } from './fragment-view';
export { hasNext, loadNext } from './load-next';
export { refetchNode } from './refetch-node';
export { commit } from './commit';
export {
  followTeamActivity,
  type LiveActivity,
  type TeamActivityFeedHandlers,
} from './team-activity-feed';
