import { ApolloArmor } from '@escape.tech/graphql-armor';
import type { GraphQLArmorConfig } from '@escape.tech/graphql-armor-types';

/**
 * Limits every document must pass before anything executes, over HTTP and WebSocket alike.
 * Sized so the README's and the playground's documents (and introspection) pass easily.
 */
export const DOCUMENT_LIMITS = {
  maxDepth: 10,
  maxAliases: 15,
  maxDirectives: 10,
  maxTokens: 2000,
} as const;

/** Limits are never echoed back: a client learns it was refused, not where the line is. */
export function armorConfig(): GraphQLArmorConfig {
  return {
    maxDepth: { n: DOCUMENT_LIMITS.maxDepth, flattenFragments: true, exposeLimits: false },
    maxAliases: { n: DOCUMENT_LIMITS.maxAliases, exposeLimits: false },
    maxDirectives: { n: DOCUMENT_LIMITS.maxDirectives, exposeLimits: false },
    // Tokens are counted by graphql-js's parser instead (PARSE_OPTIONS).
    maxTokens: { enabled: false },
    // The cost budget needs the coerced variables, which validation rules never see: it is
    // checked once the operation is resolved (query-cost.ts), on both transports.
    costLimit: { enabled: false },
    blockFieldSuggestion: { enabled: true },
  };
}

/**
 * The Apollo side: validation rules and the suggestion mask. The token limit is enforced by
 * graphql-js's own parser (`parseOptions.maxTokens`): armor's token plugin throws from a hook
 * Apollo answers with 500, where a refused document deserves 400.
 */
export function apolloArmor(options: { blockSuggestions: boolean }) {
  const config = armorConfig();
  config.blockFieldSuggestion = { enabled: options.blockSuggestions };
  return new ApolloArmor(config).protect();
}

/** graphql-js stops parsing past this many tokens, before building the document. */
export const PARSE_OPTIONS = { maxTokens: DOCUMENT_LIMITS.maxTokens } as const;

/**
 * graphql-js stops validating after this many errors (its default is 100). Each error is an
 * object with a stack and a location, formatted and logged, so a document of a few KiB (e.g.
 * hundreds of unused variables) would otherwise cost as much as a hundred requests.
 */
export const VALIDATION_OPTIONS = { maxErrors: 10 } as const;
