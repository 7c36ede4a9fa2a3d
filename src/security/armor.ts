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
  maxCost: 5000,
} as const;

/** Limits are never echoed back: a client learns it was refused, not where the line is. */
export function armorConfig(): GraphQLArmorConfig {
  return {
    maxDepth: { n: DOCUMENT_LIMITS.maxDepth, flattenFragments: true, exposeLimits: false },
    maxAliases: { n: DOCUMENT_LIMITS.maxAliases, exposeLimits: false },
    maxDirectives: { n: DOCUMENT_LIMITS.maxDirectives, exposeLimits: false },
    maxTokens: { n: DOCUMENT_LIMITS.maxTokens, exposeLimits: false },
    costLimit: { maxCost: DOCUMENT_LIMITS.maxCost, exposeLimits: false },
    blockFieldSuggestion: { enabled: true },
  };
}

/** The Apollo side: validation rules and plugins (token limit at parse, no field suggestions). */
export function apolloArmor(options: { blockSuggestions: boolean }) {
  const config = armorConfig();
  config.blockFieldSuggestion = { enabled: options.blockSuggestions };
  return new ApolloArmor(config).protect();
}
