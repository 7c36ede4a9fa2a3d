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
 * stack that only ever holds containers within the limit, so a value nested 100,000 deep costs
 * no more than a flat one of the same size and never overflows the call stack.
 */
export function nestsDeeperThan(root: unknown, maxDepth: number): boolean {
  if (typeof root !== 'object' || root === null) return false;
  // Two parallel stacks: no object per entry, no array per container (Object.values).
  const containers: object[] = [root];
  const depths: number[] = [1];
  const visit = (child: unknown, depth: number) => {
    if (typeof child !== 'object' || child === null) return;
    containers.push(child);
    depths.push(depth);
  };
  while (containers.length) {
    const value = containers.pop()!;
    const depth = depths.pop()!;
    if (depth > maxDepth) return true;
    if (Array.isArray(value)) {
      for (const child of value as unknown[]) visit(child, depth + 1);
    } else {
      const record = value as Record<string, unknown>;
      for (const key in record) visit(record[key], depth + 1);
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
