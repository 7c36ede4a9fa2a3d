import { createHash } from 'node:crypto';
import {
  getNamedType,
  getOperationAST,
  TypeInfo,
  visit,
  visitWithTypeInfo,
  BREAK,
  type DocumentNode,
  type GraphQLSchema,
} from 'graphql';

/**
 * Fields whose value is the same for every subscriber of a team who holds the same role, so
 * one execution can serve them all. Anything else (a user's e-mail, whose visibility depends
 * on the individual viewer; members, items, read positions, …) makes a selection run once per
 * subscriber. `myRole` depends on the role alone, which is part of every audience.
 */
const SHARED_FIELDS = new Set([
  'Subscription.teamActivity',
  'Subscription.myActivity',
  'Activity.id',
  'Activity.seq',
  'Activity.action',
  'Activity.subjectType',
  'Activity.subjectId',
  'Activity.summary',
  'Activity.details',
  'Activity.createdAt',
  'Activity.hash',
  'Activity.leafHash',
  'Activity.checkpoint',
  'Checkpoint.teamId',
  'Checkpoint.treeSize',
  'Checkpoint.rootHash',
  'Checkpoint.timestamp',
  'Checkpoint.keyId',
  'Checkpoint.signature',
  'Activity.team',
  'Activity.actor',
  'Team.id',
  'Team.name',
  'Team.createdAt',
  'Team.myRole',
  'User.id',
  'User.displayName',
]);

/** True when every field the operation selects is in SHARED_FIELDS (or is `__typename`). */
export function selectsSharedFieldsOnly(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName?: string | null,
): boolean {
  const operation = getOperationAST(document, operationName);
  if (operation?.operation !== 'subscription') return false;
  const typeInfo = new TypeInfo(schema);
  let shared = true;
  // Fragments are walked wherever they are defined; an unused one only makes us cautious.
  visit(
    document,
    visitWithTypeInfo(typeInfo, {
      Field(node) {
        if (node.name.value === '__typename') return;
        const parent = typeInfo.getParentType();
        const coordinate = parent ? `${getNamedType(parent).name}.${node.name.value}` : '';
        if (!SHARED_FIELDS.has(coordinate)) {
          shared = false;
          return BREAK;
        }
      },
    }),
  );
  return shared;
}

const CACHE_LIMIT = 1_000;
const sharedByQuery = new Map<string, boolean>();

/**
 * The audience of a subscription operation: a hash of its document, operation name and
 * variables when its selection can be executed once for everyone with the same role in the
 * team; null when it must run per viewer.
 */
export function audienceKey(
  schema: GraphQLSchema,
  document: DocumentNode,
  query: string,
  operationName: string | null | undefined,
  variables: Record<string, unknown> | null | undefined,
): string | null {
  const cacheKey = `${operationName ?? ''}\u0000${query}`;
  let shared = sharedByQuery.get(cacheKey);
  if (shared === undefined) {
    shared = selectsSharedFieldsOnly(schema, document, operationName);
    if (sharedByQuery.size >= CACHE_LIMIT) sharedByQuery.clear();
    sharedByQuery.set(cacheKey, shared);
  }
  if (!shared) return null;
  return createHash('sha256')
    .update(cacheKey)
    .update('\u0000')
    .update(JSON.stringify(variables ?? {}))
    .digest('base64url');
}
