import type { Page } from '../../src/pagination/connection-args';

/** A page as a Relay connection's edges and pageInfo, each edge with its node's cursor. */
export function connectionOf<T>(page: Page<T>, cursorOf: (node: T) => string) {
  const edges = page.nodes.map((node) => ({ cursor: cursorOf(node), node }));
  return {
    edges,
    pageInfo: {
      hasNextPage: page.hasNextPage,
      endCursor: edges.at(-1)?.cursor ?? null,
      hasPreviousPage: false,
      startCursor: edges[0]?.cursor ?? null,
    },
  };
}

/** The cursor a keyset page wrote on each of its nodes. */
export const ownCursor = (node: { cursor: string }): string => node.cursor;
