import {
  fetchQuery,
  getRefetchMetadata,
  getValueAtPath,
  type Environment,
  type ReaderFragment,
} from 'relay-runtime';
import type { FragmentKey } from './fragment-view';

/**
 * What useRefetchableFragment's `refetch({ id })` does, without React: runs the fragment's
 * generated `node(id:)` query from the network. The answer is normalized by id, so every view
 * of that object in the store updates. Resolves with a reference to the refetched fragment,
 * or null when the server answers `node: null` (nothing the caller may see has that id).
 */
export async function refetchNode(
  environment: Environment,
  fragment: ReaderFragment,
  id: string,
): Promise<FragmentKey | null> {
  const { refetchableRequest, fragmentRefPathInResponse, identifierInfo } = getRefetchMetadata(
    fragment,
    'refetchNode',
  );
  if (identifierInfo == null)
    throw new Error(`${fragment.name} is not refetched by id (not on a Node type)`);
  const response = await fetchQuery(
    environment,
    refetchableRequest,
    { [identifierInfo.identifierQueryVariableName]: id },
    { fetchPolicy: 'network-only' },
  ).toPromise();
  return (getValueAtPath(response, fragmentRefPathInResponse) as FragmentKey) ?? null;
}
