import { rule } from './rule';
import { isFeedChecked } from '../../src/live/feed-checked';

/**
 * Objects a live feed checked itself where membership can no longer be read: the
 * TEAM_DELETED activity and its team snapshot, and the ACCESS_REVOKED end of a feed.
 */
export const isVouchedByLiveFeed = rule('isVouchedByLiveFeed', { cache: 'no_cache' })((parent) =>
  isFeedChecked(parent),
);
