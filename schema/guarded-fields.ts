import { middleware, type IMiddlewareGenerator } from 'graphql-middleware';
import { allow } from 'graphql-shield';

/** A rule tree as the permission map writes it: per type, one rule or a map of field rules. */
type RuleTree = Record<string, unknown>;

/** Shield's choice for `type.field`: the field's rule, else the type's `*`, else its fallback. */
function ruleOf(rules: RuleTree, type: string, field: string): unknown {
  const typeRules = rules[type];
  // A rule is a class instance; a field map is a plain object.
  const isFieldMap = typeof typeRules === 'object' && typeRules?.constructor === Object;
  if (!isFieldMap) return typeRules;
  const fieldRules = typeRules as Record<string, unknown>;
  return fieldRules[field] ?? fieldRules['*'];
}

/**
 * Shield wraps every field of the schema in an asynchronous rule check, the plainly allowed
 * ones too, so every `id` or `title` costs a promise and a rule call. This keeps shield's own
 * wrappers (and so its fallback rule for fields the map does not name) for every field but
 * those whose rule is exactly `allow`: those resolve as they would through the wrapper, which
 * passes both answers and errors through unchanged, without the detour.
 */
export function withoutAllowWrappers(
  permissions: IMiddlewareGenerator<unknown, unknown, unknown>,
  rules: RuleTree,
): IMiddlewareGenerator<unknown, unknown, unknown> {
  return middleware((schema) => {
    const generated = permissions.generate(schema) as Record<string, Record<string, unknown>>;
    const guarded: Record<string, Record<string, unknown>> = {};
    for (const [type, fields] of Object.entries(generated)) {
      const kept = Object.entries(fields).filter(([field]) => ruleOf(rules, type, field) !== allow);
      if (kept.length > 0) guarded[type] = Object.fromEntries(kept);
    }
    return guarded as ReturnType<typeof permissions.generate>;
  });
}
