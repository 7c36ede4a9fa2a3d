import {
  GraphQLError,
  Kind,
  type ASTNode,
  type ASTVisitor,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLSchema,
  type SelectionSetNode,
  type ValidationContext,
  type ValidationRule,
} from 'graphql';
import { ErrorCode } from '../../errors/error-codes';
import { costWith, MAX_QUERY_COST, overCostError, VARIABLES_UNKNOWN } from './query-cost';

/**
 * Limits on a document's fragment graph, checked in one pass before graphql-js validation.
 * Sized far above what the README's, the web page's and the generated clients' documents use.
 */
export const DOCUMENT_GRAPH_LIMITS = {
  /** Fragment definitions in one document. */
  maxFragments: 64,
  /** Fragments reached through fragments (F0 spreads F1, which spreads F2, …). */
  maxFragmentNesting: 16,
  /** Fields once every spread is replaced by its fragment (a fragment spread twice counts twice). */
  maxExpandedFields: 5_000,
  /**
   * Fields under one response key in one selection set (its inline fragments included):
   * graphql-js compares them pairwise (OverlappingFieldsCanBeMerged), so this keeps that
   * comparison linear in the document.
   */
  maxSameResponseKey: 20,
} as const;

/**
 * Validation's time budget. The pass bounds validation's work to a linear function of the
 * document, far below this; the clock is read every CLOCK_EVERY nodes, and a document still
 * being validated after the budget is refused and the rest of it skipped.
 */
export const VALIDATION_BUDGET_MS = 500;
const CLOCK_EVERY = 64;

/** The reason clients can switch on when a document's shape is refused. */
export const TOO_COMPLEX_REASON = 'TOO_COMPLEX';

const tooComplex = (message: string) =>
  new GraphQLError(message, {
    extensions: {
      code: ErrorCode.BAD_USER_INPUT,
      reason: TOO_COMPLEX_REASON,
      http: { status: 400 },
    },
  });

/** What the pass learns about one fragment, once. */
interface FragmentFacts {
  expandedFields: number;
  nesting: number;
}

/** Thrown inside the pass to stop at the first limit; turned into the refusal. */
class Refused {
  constructor(readonly error: GraphQLError) {}
}

/** Walks each definition once, each fragment's facts remembered for every later spread. */
class GraphPass {
  private readonly facts = new Map<string, FragmentFacts | 'visiting'>();

  constructor(private readonly fragments: Map<string, FragmentDefinitionNode>) {}

  /** Expanded fields and fragment nesting of a selection set (spreads through their facts). */
  selectionFacts(selectionSet: SelectionSetNode): FragmentFacts {
    const total: FragmentFacts = { expandedFields: 0, nesting: 0 };
    this.collect(selectionSet, new Map(), total);
    return total;
  }

  /** `keys` counts response keys of the enclosing field's selection set (inline fragments share it). */
  private collect(
    selectionSet: SelectionSetNode,
    keys: Map<string, number>,
    total: FragmentFacts,
  ): void {
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FIELD) {
        const key = selection.alias?.value ?? selection.name.value;
        const count = (keys.get(key) ?? 0) + 1;
        if (count > DOCUMENT_GRAPH_LIMITS.maxSameResponseKey) {
          throw new Refused(
            tooComplex(`The document selects "${key}" too many times in one place.`),
          );
        }
        keys.set(key, count);
        total.expandedFields += 1;
        if (selection.selectionSet) this.collect(selection.selectionSet, new Map(), total);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        this.collect(selection.selectionSet, keys, total);
      } else {
        const spread = this.fragment(selection.name.value);
        total.expandedFields += spread.expandedFields;
        total.nesting = Math.max(total.nesting, spread.nesting + 1);
      }
      if (total.expandedFields > DOCUMENT_GRAPH_LIMITS.maxExpandedFields) {
        throw new Refused(
          tooComplex('The document expands to too many fields through its fragments.'),
        );
      }
      if (total.nesting > DOCUMENT_GRAPH_LIMITS.maxFragmentNesting) {
        throw new Refused(tooComplex('The document nests its fragments too deeply.'));
      }
    }
  }

  /** A fragment's facts, computed at its first spread; unknown fragments are validation's. */
  fragment(name: string): FragmentFacts {
    const known = this.facts.get(name);
    if (known === 'visiting') {
      throw new Refused(
        new GraphQLError(`Cannot spread fragment "${name}" within itself.`, {
          extensions: { code: ErrorCode.BAD_USER_INPUT, http: { status: 400 } },
        }),
      );
    }
    if (known) return known;
    const definition = this.fragments.get(name);
    if (!definition) return { expandedFields: 0, nesting: 0 };
    this.facts.set(name, 'visiting');
    const facts = this.selectionFacts(definition.selectionSet);
    this.facts.set(name, facts);
    return facts;
  }
}

/**
 * One linear pass over a parsed document, before any other validation: bounds its fragment
 * graph (count, nesting, expansion, cycles, repeated response keys) and its cost with
 * variables unknown (a lower bound: each `first: $n` counts 1), fan-out included, each
 * fragment walked once. Null when the document is within every bound.
 */
export function documentBoundsError(
  schema: GraphQLSchema,
  document: DocumentNode,
): GraphQLError | null {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) {
      fragments.set(definition.name.value, definition);
    }
  }
  if (fragments.size > DOCUMENT_GRAPH_LIMITS.maxFragments) {
    return tooComplex('The document defines too many fragments.');
  }
  const pass = new GraphPass(fragments);
  try {
    for (const name of fragments.keys()) pass.fragment(name);
    for (const definition of document.definitions) {
      if (definition.kind !== Kind.OPERATION_DEFINITION) continue;
      pass.selectionFacts(definition.selectionSet);
      const cost = costWith(schema, document, definition, VARIABLES_UNKNOWN);
      if (cost !== null && cost > MAX_QUERY_COST) return overCostError(cost);
    }
  } catch (error) {
    if (error instanceof Refused) return error.error;
    throw error;
  }
  return null;
}

/** An empty document: returned in place of a refused one, so no other rule walks it. */
const NOTHING: DocumentNode = { kind: Kind.DOCUMENT, definitions: [] };

/**
 * The pass as a validation rule, on both transports. On a refused document it reports the
 * refusal and replaces the document with an empty one for the rest of the walk (graphql-js's
 * visitor continues into what an enter returns), so no later rule, OverlappingFieldsCanBeMerged
 * included, sees it. It also keeps validation's clock: once over VALIDATION_BUDGET_MS, it
 * reports TOO_COMPLEX and skips every node left (returning null skips a node for every rule).
 */
export function boundedDocumentRule(budgetMs: number = VALIDATION_BUDGET_MS): ValidationRule {
  return (context: ValidationContext): ASTVisitor => {
    const started = performance.now();
    let nodes = 0;
    let overBudget = false;
    return {
      enter(node: ASTNode) {
        if (overBudget) return null;
        if (node.kind === Kind.DOCUMENT) {
          const refused = documentBoundsError(context.getSchema(), node);
          if (refused) {
            context.reportError(refused);
            return NOTHING;
          }
        }
        nodes += 1;
        if (nodes % CLOCK_EVERY === 0 && performance.now() - started > budgetMs) {
          overBudget = true;
          context.reportError(tooComplex('The document took too long to validate.'));
          return null;
        }
        return undefined;
      },
    };
  };
}
