import type { GraphQLError } from 'graphql';
import { badInput } from '../../errors/errors';
import { persistedQueryHashError } from './persisted-query-hash';

/**
 * How deep a variable's or an extension's value may nest. Input objects around item content
 * (itself at most 32 levels, checked with its own message behind this edge) fit with room.
 */
export const MAX_VALUE_DEPTH = 40;

/** The client-shaped JSON of a request, as HTTP bodies, query strings and socket frames carry it. */
export interface RequestValues {
  variables?: unknown;
  extensions?: unknown;
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * True when `root` nests objects or arrays deeper than `maxDepth`. Iterative, with an explicit
 * stack that never holds anything below the limit, so a value nested 100,000 deep costs as
 * much as a flat one of the same size and never overflows the call stack.
 */
export function nestsDeeperThan(root: unknown, maxDepth: number): boolean {
  const stack: { value: unknown; depth: number }[] = [{ value: root, depth: 1 }];
  while (stack.length) {
    const { value, depth } = stack.pop()!;
    if (typeof value !== 'object' || value === null) continue;
    if (depth > maxDepth) return true;
    for (const child of Object.values(value)) {
      if (typeof child === 'object' && child !== null)
        stack.push({ value: child, depth: depth + 1 });
    }
  }
  return false;
}

/** `variables` or `extensions`: absent, or a JSON object whose every entry nests at most MAX_VALUE_DEPTH. */
function boundedObjectError(name: 'variables' | 'extensions', value: unknown): GraphQLError | null {
  if (value === undefined || value === null) return null;
  if (!isObject(value)) return badInput(name, `${name} must be a JSON object.`);
  for (const [key, entry] of Object.entries(value)) {
    if (nestsDeeperThan(entry, MAX_VALUE_DEPTH))
      return badInput(
        `${name}.${key}`,
        `${name}.${key} is nested deeper than ${MAX_VALUE_DEPTH} levels.`,
      );
  }
  return null;
}

/**
 * The edge for a request's JSON values, before anything walks them (hashing, canonical forms,
 * audience keys, logging, coercion): both are JSON objects nested at most MAX_VALUE_DEPTH, and
 * an automatic persisted query's hash is well formed. Null when the request passes.
 */
export function requestValuesError(request: RequestValues): GraphQLError | null {
  return (
    boundedObjectError('variables', request.variables) ??
    boundedObjectError('extensions', request.extensions) ??
    persistedQueryHashError(request.extensions)
  );
}
