import {
  coerceInputValue,
  getVariableValues,
  isInputType,
  isNonNullType,
  typeFromAST,
  GraphQLError,
  type GraphQLSchema,
  type OperationDefinitionNode,
} from 'graphql';
import { ErrorCode } from '../../errors/error-codes';

/** A refused variable: BAD_USER_INPUT naming it, answered over HTTP with 400. */
const badVariable = (field: string, message: string) =>
  new GraphQLError(message, {
    extensions: { code: ErrorCode.BAD_USER_INPUT, field, http: { status: 400 } },
  });

/** graphql-js stops coercing after this many errors, with a sentinel error that has no code. */
const MAX_VARIABLE_ERRORS = 25;

/**
 * A variable the operation does not declare is refused: nothing would ever read it, yet it
 * would be hashed, stored with an idempotency key and carried through every hook.
 */
export function undeclaredVariableError(
  operation: OperationDefinitionNode,
  variables: Record<string, unknown> | null | undefined,
): GraphQLError | null {
  if (!variables) return null;
  const declared = new Set((operation.variableDefinitions ?? []).map((d) => d.variable.name.value));
  const unknown = Object.keys(variables).find((name) => !declared.has(name));
  if (unknown === undefined) return null;
  return badVariable(
    `variables.${unknown}`,
    `The operation declares no variable $${unknown}; send only the variables it declares.`,
  );
}

const UNKNOWN_FIELD = /^Field "([^"]+)" is not defined by type /;

/**
 * Where the first invalid variable value is, as `variables.<name>.<field>…` (list entries by
 * index), by graphql-js's own coercion. Called only once coercion has failed.
 */
function firstInvalidPath(
  schema: GraphQLSchema,
  operation: OperationDefinitionNode,
  variables: Record<string, unknown>,
): string {
  for (const definition of operation.variableDefinitions ?? []) {
    const name = definition.variable.name.value;
    const type = typeFromAST(schema, definition.type);
    if (!type || !isInputType(type)) return `variables.${name}`;
    const value = variables[name];
    if (value === undefined || value === null) {
      if (isNonNullType(type) && (value === null || !definition.defaultValue))
        return `variables.${name}`;
      continue;
    }
    let path: readonly (string | number)[] | undefined;
    coerceInputValue(value, type, (at, _value, error) => {
      // graphql-js reports a field the type does not define at the object that holds it.
      const unknownField = UNKNOWN_FIELD.exec(error.message)?.[1];
      path ??= unknownField === undefined ? at : [...at, unknownField];
    });
    if (path) return ['variables', name, ...path].join('.');
  }
  return 'variables';
}

/**
 * The variables' coercion errors as one BAD_USER_INPUT naming the first bad value by its path
 * (`extensions.field`, e.g. `variables.i.role`), with how many more there are; null when they
 * coerce. Both transports use it, so a request with hundreds of bad list entries is a client
 * error too (graphql-js's "Too many errors" sentinel carries no code).
 */
export function variablesError(
  schema: GraphQLSchema,
  operation: OperationDefinitionNode,
  variables: Record<string, unknown> | null | undefined,
): GraphQLError | null {
  const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], variables ?? {}, {
    maxErrors: MAX_VARIABLE_ERRORS,
  });
  if (!coerced.errors) return null;
  const [first, ...more] = coerced.errors;
  const suffix = more.length ? ` (and ${more.length} more invalid variable values)` : '';
  return badVariable(firstInvalidPath(schema, operation, variables ?? {}), first.message + suffix);
}
