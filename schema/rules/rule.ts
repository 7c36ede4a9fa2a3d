import { rule as shieldRule } from 'graphql-shield';

type RuleFunction = Parameters<ReturnType<typeof shieldRule>>[0];

/**
 * graphql-shield's `rule`, except for what happens when the rule itself throws. Shield turns
 * a thrown error into a plain deny, so a database that failed under a rule answered FORBIDDEN
 * and nobody heard of it. Here the error becomes the rule's answer instead: the field fails
 * with it, the server's error formatter masks it as INTERNAL_SERVER_ERROR, and the request
 * log records it like any other unexpected error. Denials a rule means are returned, never
 * thrown, so they are unchanged.
 */
export const rule: typeof shieldRule = (name, options) => {
  const build = shieldRule(name, options);
  // No extra promise for rules that answer synchronously (most role rules do).
  return (func: RuleFunction) =>
    build((parent, args, ctx, info) => {
      try {
        const answer = func(parent, args, ctx, info);
        return answer instanceof Promise ? answer.catch(asAnswer) : answer;
      } catch (error) {
        return asAnswer(error);
      }
    });
};

const asAnswer = (error: unknown): Error =>
  error instanceof Error ? error : new Error(String(error));
