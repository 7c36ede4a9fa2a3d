import {
  getNamedType,
  getNullableType,
  getVariableValues,
  isCompositeType,
  isInterfaceType,
  isListType,
  isObjectType,
  Kind,
  type DocumentNode,
  type FieldNode,
  type GraphQLField,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';
import { getArgumentValues } from 'graphql/execution/values';
import { GraphQLError } from 'graphql';
import { ErrorCode } from '../../errors/error-codes';
import { DEFAULT_PAGE_SIZE } from '../../pagination/connection-args';

/**
 * The cost budget of one operation. Every object a response can hold costs 1; scalars and
 * `__typename` cost nothing. A paged field (`first`) multiplies its page's objects by the
 * page size as the server will run it (variables included); a list without paging counts as
 * LIST_ESTIMATE objects. Sized so every documented and client query fits at `first: 100`
 * (the README's, Apollo Client's and urql's documents, the dashboard) while a page of pages
 * (`items(first: 100) { … activity(first: 100) }`) does not.
 */
export const MAX_QUERY_COST = 10_000;
export const LIST_ESTIMATE = 5;

/** The reason clients can switch on when an operation is over the budget. */
export const COST_LIMIT_REASON = 'COST_LIMIT';

/**
 * Variables not yet known (before validation): a `first: $n` counts as a page of 1, so the
 * cost is a lower bound of the one the coerced variables give, and refusing on it is sound.
 */
export const VARIABLES_UNKNOWN = null;

interface Walk {
  schema: GraphQLSchema;
  fragments: Map<string, FragmentDefinitionNode>;
  variables: Record<string, unknown> | typeof VARIABLES_UNKNOWN;
  /**
   * Each fragment's cost per enclosing page size (its type is its condition's): a fragment
   * spread many times, or through a chain of fragments that each spread the next twice, is
   * walked once per page size, so the walk is linear in the document, fan-out included.
   */
  fragmentCosts: Map<string, number>;
}

/** Marks a fragment being walked: a cycle (refused by validation) then counts nothing. */
const IN_PROGRESS = -1;

/** Objects in one selection of `type`; `pageSize` is the enclosing paged field's size. */
function selectionCost(
  walk: Walk,
  type: GraphQLCompositeType,
  selectionSet: SelectionSetNode,
  pageSize: number | null,
): number {
  let cost = 0;
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.INLINE_FRAGMENT) {
      const on = selection.typeCondition
        ? walk.schema.getType(selection.typeCondition.name.value)
        : type;
      if (on && isCompositeType(on)) {
        cost += selectionCost(walk, on, selection.selectionSet, pageSize);
      }
      continue;
    }
    if (selection.kind === Kind.FRAGMENT_SPREAD) {
      cost += fragmentCost(walk, selection.name.value, pageSize);
      continue;
    }
    // Leaves and __typename are free; an interface's own fields count as its objects' would.
    if (!(isObjectType(type) || isInterfaceType(type)) || !selection.selectionSet) continue;
    const field = type.getFields()[selection.name.value];
    if (!field) continue;
    const named = getNamedType(field.type);
    if (!isCompositeType(named)) continue;
    const first = field.args.some((a) => a.name === 'first')
      ? pageOf(argument(walk, field, selection, 'first'))
      : null;
    const asked = field.args.some((a) => a.name === SIZED_BY)
      ? idsAsked(argument(walk, field, selection, SIZED_BY))
      : null;
    const list = isListType(getNullableType(field.type));
    const count = list ? (asked ?? first ?? pageSize ?? LIST_ESTIMATE) : 1;
    const childPage = list ? null : first;
    cost += count * (1 + selectionCost(walk, named, selection.selectionSet, childPage));
  }
  return cost;
}

/** One fragment's cost under a page size, walked the first time and remembered after. */
function fragmentCost(walk: Walk, name: string, pageSize: number | null): number {
  const key = `${name}\u0000${pageSize ?? ''}`;
  const known = walk.fragmentCosts.get(key);
  if (known !== undefined) return known === IN_PROGRESS ? 0 : known;
  const fragment = walk.fragments.get(name);
  const on = fragment && walk.schema.getType(fragment.typeCondition.name.value);
  if (!fragment || !on || !isCompositeType(on)) return 0;
  walk.fragmentCosts.set(key, IN_PROGRESS);
  const cost = selectionCost(walk, on, fragment.selectionSet, pageSize);
  walk.fragmentCosts.set(key, cost);
  return cost;
}

/**
 * A list argument that says how many objects a field answers, one per element (`nodes(ids)`),
 * rather than a page size.
 */
const SIZED_BY = 'ids';

/**
 * The coerced argument `name` of a field (validation already checked the document's literals).
 * A variable not yet known counts as a page of 1 (or a list of one id).
 */
function argument(
  walk: Walk,
  field: GraphQLField<unknown, unknown>,
  node: FieldNode,
  name: string,
): unknown {
  if (walk.variables === VARIABLES_UNKNOWN) {
    const given = node.arguments?.find((a) => a.name.value === name);
    if (given?.value.kind === Kind.VARIABLE) return name === 'first' ? 1 : [null];
  }
  try {
    return getArgumentValues(field, node, walk.variables ?? {})[name];
  } catch {
    return undefined;
  }
}

/** How many objects a list of ids asks for (one when it cannot be read). */
const idsAsked = (ids: unknown): number => (Array.isArray(ids) ? Math.max(ids.length, 1) : 1);

/** The page size a `first` argument asks for (the default when absent; anything else as is). */
const pageOf = (first: unknown): number =>
  typeof first === 'number' && first > 0 ? first : DEFAULT_PAGE_SIZE;

/** The cost of `operation` with `variables` as given (coerced, or VARIABLES_UNKNOWN). */
export function costWith(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Record<string, unknown> | typeof VARIABLES_UNKNOWN,
): number | null {
  const root = schema.getRootType(operation.operation);
  if (!root) return null;
  const fragments = new Map(
    document.definitions
      .filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION)
      .map((d) => [d.name.value, d]),
  );
  return selectionCost(
    { schema, fragments, variables, fragmentCosts: new Map() },
    root,
    operation.selectionSet,
    null,
  );
}

/**
 * The cost of the operation that will run, with variables as graphql-js coerces them (so
 * `first: $n` counts `n`). Null when the variables do not coerce: execution reports that.
 */
export function operationCost(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  rawVariables: Record<string, unknown> | null | undefined,
): number | null {
  const coerced = getVariableValues(
    schema,
    operation.variableDefinitions ?? [],
    rawVariables ?? {},
  );
  if (coerced.errors) return null;
  return costWith(schema, document, operation, coerced.coerced);
}

/** BAD_USER_INPUT with reason COST_LIMIT saying the cost and the limit. */
export const overCostError = (cost: number): GraphQLError =>
  new GraphQLError(
    `Query cost ${cost} is over the limit of ${MAX_QUERY_COST}; ask for smaller pages or fewer nested lists.`,
    {
      extensions: {
        code: ErrorCode.BAD_USER_INPUT,
        reason: COST_LIMIT_REASON,
        cost,
        maxCost: MAX_QUERY_COST,
        http: { status: 400 },
      },
    },
  );

/**
 * What the operation will be charged against its caller's budget over time: its cost, at least
 * 1 (a mutation returning a scalar walks to 0 but still runs); or the BAD_USER_INPUT saying the
 * cost and the limit when it is over the per-operation limit.
 */
export function checkedCost(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Record<string, unknown> | null | undefined,
): { cost: number; error?: undefined } | { cost?: undefined; error: GraphQLError } {
  const cost = operationCost(schema, document, operation, variables) ?? 0;
  return cost > MAX_QUERY_COST ? { error: overCostError(cost) } : { cost: Math.max(1, cost) };
}
