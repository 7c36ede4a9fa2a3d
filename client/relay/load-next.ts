import {
  ConnectionInterface,
  fetchQuery,
  getPaginationMetadata,
  getPaginationVariables,
  getRefetchMetadata,
  getValueAtPath,
  type Environment,
  type ReaderFragment,
} from 'relay-runtime';
import { singularSelector, type FragmentKey } from './fragment-view';

interface PageInfoData {
  [field: string]: unknown;
}

/** The connection's pageInfo in the store (the compiler selects it; the data types omit it). */
function storedPageInfo(
  environment: Environment,
  fragment: ReaderFragment,
  ref: unknown,
): PageInfoData | undefined {
  const { connectionPathInFragmentData } = getPaginationMetadata(fragment, 'loadNext');
  const data = environment.lookup(singularSelector(fragment, ref)).data;
  return getValueAtPath(data, connectionPathInFragmentData)?.[ConnectionInterface.get().PAGE_INFO];
}

/** What usePaginationFragment's `hasNext` says: the stored connection has more after its end. */
export function hasNext(
  environment: Environment,
  fragment: ReaderFragment,
  ref: FragmentKey,
): boolean {
  return (
    storedPageInfo(environment, fragment, ref)?.[ConnectionInterface.get().HAS_NEXT_PAGE] === true
  );
}

/**
 * What usePaginationFragment's `loadNext(count)` does, without React: reads the connection's
 * endCursor from the store, fetches the fragment's generated pagination query (through
 * `node(id:)`) for the next `count` edges, and lets the connection handler append them to the
 * same connection. Resolves with `hasNextPage` after the load (false: nothing was fetched);
 * rejects when `node(id:)` answers null (the caller lost sight of the object).
 */
export async function loadNext(
  environment: Environment,
  fragment: ReaderFragment,
  ref: FragmentKey,
  count: number,
): Promise<boolean> {
  const selector = singularSelector(fragment, ref);
  const { identifierField, paginationRequest, paginationMetadata } = getPaginationMetadata(
    fragment,
    'loadNext',
  );
  const { identifierInfo, fragmentRefPathInResponse } = getRefetchMetadata(fragment, 'loadNext');
  const { END_CURSOR, HAS_NEXT_PAGE } = ConnectionInterface.get();
  const before = storedPageInfo(environment, fragment, ref);
  if (!before?.[HAS_NEXT_PAGE]) return false;

  const variables = getPaginationVariables(
    'forward',
    count,
    before[END_CURSOR] as string,
    { ...selector.owner.variables, ...selector.variables },
    {},
    paginationMetadata,
  );
  if (identifierField != null && identifierInfo != null) {
    const data = environment.lookup(selector).data as Record<string, unknown>;
    variables[identifierInfo.identifierQueryVariableName] = data[identifierField];
  }
  const response = await fetchQuery(environment, paginationRequest, variables, {
    networkCacheConfig: { force: true },
  }).toPromise();
  // node(id:) answers null once the caller may no longer see the object (removed from the
  // team): nothing was merged, and a caller looping on hasNext would ask again forever.
  if (identifierInfo != null && getValueAtPath(response, fragmentRefPathInResponse) == null)
    throw new Error(`${fragment.name}: node(id:) answered null, the object is no longer visible`);
  return hasNext(environment, fragment, ref);
}
