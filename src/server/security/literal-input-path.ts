import { BREAK, GraphQLError, Kind, visit, type ASTNode, type DocumentNode } from 'graphql';

/**
 * The input a validation error is about, by the path of names from its argument down
 * (`input.content`, `filter.actorId`), when the error points inside an argument written in the
 * document; undefined otherwise (list positions are not named).
 */
function inputPathOf(document: DocumentNode, target: ASTNode): string | undefined {
  let path: string | undefined;
  visit(document, {
    enter(node, _key, parent, _path, ancestors) {
      if (node !== target) return;
      // `ancestors` stops above the parent.
      const line = [...ancestors, ...(parent ? [parent] : []), node];
      const names = line.flatMap((a) =>
        'kind' in a && (a.kind === Kind.ARGUMENT || a.kind === Kind.OBJECT_FIELD)
          ? [a.name.value]
          : [],
      );
      if (line.some((a) => 'kind' in a && a.kind === Kind.ARGUMENT)) path = names.join('.');
      return BREAK;
    },
  });
  return path;
}

/**
 * Gives validation errors about a literal input the `extensions.field` every BAD_USER_INPUT
 * carries (API.md "Conventions"), on both transports. Errors that already name a field, or
 * that point at no argument, are left as they are.
 */
export function nameLiteralInputs(document: DocumentNode, errors: readonly Error[]): void {
  for (const error of errors) {
    if (!(error instanceof GraphQLError)) continue;
    const node = error.nodes?.[0];
    if (!node || error.extensions.field !== undefined) continue;
    const field = inputPathOf(document, node);
    // GraphQLError's extensions object is mutable; the type only marks the binding read-only.
    if (field) (error.extensions as Record<string, unknown>).field = field;
  }
}
