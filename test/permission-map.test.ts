import { isObjectType } from 'graphql';
import { buildBareSchema } from '../src/server/graphql/build-schema';
import { permissionRules } from '../schema/permissions';

/**
 * Every root field must be named in the permission map. A failure here is a permission
 * change to review, not a snapshot to refresh: add the field to schema/permissions.ts.
 */
describe('permission map', () => {
  const schema = buildBareSchema();
  const roots = {
    Query: schema.getQueryType(),
    Mutation: schema.getMutationType(),
    Subscription: schema.getSubscriptionType(),
  };

  for (const [rootName, type] of Object.entries(roots)) {
    if (!type) continue;
    const map =
      (permissionRules as Record<string, Record<string, unknown> | undefined>)[rootName] ?? {};
    for (const field of Object.keys(type.getFields())) {
      it(`${rootName}.${field} has a rule`, () => {
        expect(map[field]).toBeDefined();
      });
    }
  }

  it('names no root field that does not exist (stale rules hide mistakes)', () => {
    for (const [rootName, type] of Object.entries(roots)) {
      const map =
        (permissionRules as Record<string, Record<string, unknown> | undefined>)[rootName] ?? {};
      const fields = type ? Object.keys(type.getFields()) : [];
      expect(Object.keys(map).filter((f) => !fields.includes(f))).toEqual([]);
    }
  });

  it('covers every object type reachable by clients, so fallbackRule deny never hides a field by accident', () => {
    const covered = new Set(Object.keys(permissionRules));
    const objectTypes = Object.values(schema.getTypeMap())
      .filter((t) => isObjectType(t) && !t.name.startsWith('__'))
      .map((t) => t.name);
    expect(objectTypes.filter((name) => !covered.has(name))).toEqual([]);
  });
});
