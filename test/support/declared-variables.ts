import { Kind, parse } from 'graphql';

/**
 * The values among `values` that the document's operations declare. The server refuses a
 * variable no operation declares (BAD_USER_INPUT), so table-driven tests that share one set of
 * values across many documents send each document only its own.
 */
export function declaredVariables(
  document: string,
  values: Record<string, unknown>,
): Record<string, unknown> {
  const declared = new Set<string>();
  for (const definition of parse(document).definitions) {
    if (definition.kind !== Kind.OPERATION_DEFINITION) continue;
    for (const variable of definition.variableDefinitions ?? []) {
      declared.add(variable.variable.name.value);
    }
  }
  return Object.fromEntries(Object.entries(values).filter(([name]) => declared.has(name)));
}
