import {
  GraphQLError,
  Kind,
  type ASTVisitor,
  type FieldNode,
  type ValidationContext,
  type ValidationRule,
} from 'graphql';
import { ErrorCode } from '../../errors/error-codes';

/**
 * Root fields too expensive to run more than once per request: each rehashes a whole log
 * and holds a pool connection while it does.
 */
export const ONCE_PER_REQUEST: ReadonlySet<string> = new Set(['Query.verifyActivityLog']);

/**
 * Refuses an operation that would execute one of ONCE_PER_REQUEST under two response keys
 * (aliases), directly or through fragments, before anything runs. The same key twice (e.g.
 * one fragment spread twice) is merged by GraphQL into one execution and is fine.
 */
export const oncePerRequestRule: ValidationRule = (context: ValidationContext): ASTVisitor => {
  // Response keys of each guarded field, per operation or fragment definition.
  const keysByDefinition = new Map<string, Map<string, Set<string>>>();
  let current = new Map<string, Set<string>>();
  const enter = (name: string) => {
    current = new Map();
    keysByDefinition.set(name, current);
  };
  return {
    OperationDefinition: {
      enter: (node) => enter(`op:${node.name?.value ?? ''}:${node.loc?.start ?? 0}`),
    },
    FragmentDefinition: { enter: (node) => enter(`fragment:${node.name.value}`) },
    Field(node: FieldNode) {
      const parent = context.getParentType();
      const guarded = parent && `${parent.name}.${node.name.value}`;
      if (!guarded || !ONCE_PER_REQUEST.has(guarded)) return;
      const keys = current.get(guarded) ?? new Set<string>();
      keys.add(node.alias?.value ?? node.name.value);
      current.set(guarded, keys);
    },
    Document: {
      leave(document) {
        for (const definition of document.definitions) {
          if (definition.kind !== Kind.OPERATION_DEFINITION) continue;
          const own = keysByDefinition.get(
            `op:${definition.name?.value ?? ''}:${definition.loc?.start ?? 0}`,
          );
          const parts = [
            own,
            ...context
              .getRecursivelyReferencedFragments(definition)
              .map((fragment) => keysByDefinition.get(`fragment:${fragment.name.value}`)),
          ];
          for (const field of ONCE_PER_REQUEST) {
            const keys = new Set(parts.flatMap((part) => [...(part?.get(field) ?? [])]));
            if (keys.size > 1) {
              context.reportError(
                new GraphQLError(
                  `${field.split('.')[1]} may be asked at most once per request; this operation asks ${keys.size} times (${[...keys].join(', ')}).`,
                  { extensions: { code: ErrorCode.BAD_USER_INPUT } },
                ),
              );
            }
          }
        }
      },
    },
  };
};
