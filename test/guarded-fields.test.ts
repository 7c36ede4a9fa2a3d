import { buildSchema, graphql, GraphQLError } from 'graphql';
import { applyMiddleware } from 'graphql-middleware';
import { allow, deny, shield } from 'graphql-shield';
import { rule } from '../schema/rules/rule';
import { withoutAllowWrappers } from '../schema/guarded-fields';

/**
 * Only fields whose rule is exactly `allow` lose shield's wrapper: a field with any other
 * rule, a field its type's map does not name, and every field of a type the map leaves out
 * are still decided by shield (and its fallback rule).
 */
describe('withoutAllowWrappers', () => {
  const typeDefs = `
    type Query { open: String, guarded: String, unnamed: String, pet: Pet, box: Box, failing: String }
    type Pet { name: String, secret: String }
    type Box { label: String }
  `;
  const rootValue = {
    open: 'open',
    guarded: 'guarded',
    unnamed: 'unnamed',
    pet: { name: 'Rex', secret: 'bone' },
    box: { label: 'kept out' },
    failing: () => {
      throw new GraphQLError('resolver failed', { extensions: { code: 'CONFLICT' } });
    },
  };
  let checked: string[] = [];
  const tracked = (name: string, answer: boolean) =>
    rule(name, { cache: 'no_cache' })(() => {
      checked.push(name);
      return answer;
    });
  const rules = {
    Query: {
      open: allow,
      guarded: tracked('guarded', true),
      pet: allow,
      box: allow,
      failing: allow,
    },
    Pet: { name: allow, '*': tracked('pet.*', false) },
  };
  const schema = applyMiddleware(
    buildSchema(typeDefs),
    withoutAllowWrappers(
      shield(rules, {
        fallbackRule: deny,
        fallbackError: () => new GraphQLError('no', { extensions: { code: 'FORBIDDEN' } }),
        allowExternalErrors: true,
      }),
      rules,
    ),
  );
  const run = async (source: string) => {
    checked = [];
    const result = await graphql({ schema, source, rootValue, contextValue: {} });
    return {
      data: result.data,
      codes: (result.errors ?? []).map((e) => [e.path?.join('.'), e.extensions.code]),
    };
  };

  it('answers allowed fields and still checks a field with its own rule', async () => {
    expect(await run('{ open guarded pet { name } }')).toEqual({
      data: { open: 'open', guarded: 'guarded', pet: { name: 'Rex' } },
      codes: [],
    });
    expect(checked).toEqual(['guarded']);
  });

  it('denies a field the type map does not name, by the fallback rule', async () => {
    expect(await run('{ unnamed }')).toEqual({
      data: { unnamed: null },
      codes: [['unnamed', 'FORBIDDEN']],
    });
  });

  it("applies a type's wildcard rule to fields without their own rule", async () => {
    expect(await run('{ pet { name secret } }')).toEqual({
      data: { pet: { name: 'Rex', secret: null } },
      codes: [['pet.secret', 'FORBIDDEN']],
    });
    expect(checked).toEqual(['pet.*']);
  });

  it('denies every field of a type the map leaves out', async () => {
    expect(await run('{ box { label } }')).toEqual({
      data: { box: { label: null } },
      codes: [['box.label', 'FORBIDDEN']],
    });
  });

  it("passes an allowed field's own error through unchanged", async () => {
    expect(await run('{ failing }')).toEqual({
      data: { failing: null },
      codes: [['failing', 'CONFLICT']],
    });
  });
});
