import { readFileSync } from 'node:fs';
import path from 'node:path';
import { GraphQLEnumType, GraphQLNonNull, GraphQLObjectType } from 'graphql';
import { AccountEventType } from '../src/events/account-event-type';
import { buildBareSchema } from '../src/server/graphql/build-schema';

/**
 * The account event types have one source (src/events/account-event-type.ts); the schema
 * describes each and docs/live-feeds.md lists them. This keeps that table and the schema the
 * same list with the same words.
 */
function readmeTable(): Record<string, string> {
  const lines = readFileSync(path.join(__dirname, '..', 'docs', 'live-feeds.md'), 'utf8').split(
    '\n',
  );
  const header = lines.findIndex((line) => /^\|\s*`type`\s*\|\s*what happened\s*\|$/.test(line));
  if (header < 0) throw new Error('docs/live-feeds.md has no "| `type` | what happened |" table');
  const rows: Record<string, string> = {};
  // The header, then the |---| rule, then one row per type until the table ends.
  for (const line of lines.slice(header + 2)) {
    const row = /^\|\s*`([A-Z_]+)`\s*\|\s*(.*?)\s*\|$/.exec(line);
    if (!row) break;
    rows[row[1]] = row[2];
  }
  return rows;
}

function schemaEnum(): Record<string, string | null | undefined> {
  const schema = buildBareSchema();
  const event = schema.getType('AccountEvent') as GraphQLObjectType;
  const field = event.getFields().type.type;
  expect(field).toBeInstanceOf(GraphQLNonNull);
  const type = (field as GraphQLNonNull<GraphQLEnumType>).ofType;
  expect(type.name).toBe('AccountEventType');
  return Object.fromEntries(type.getValues().map((value) => [value.name, value.description]));
}

describe('account event types', () => {
  it('the schema exposes exactly the enum as AccountEvent.type, each value described', () => {
    const values = schemaEnum();
    expect(Object.keys(values).sort()).toEqual(Object.values(AccountEventType).sort());
    for (const [name, description] of Object.entries(values)) {
      expect({ name, described: Boolean(description?.trim()) }).toEqual({ name, described: true });
    }
  });

  it('the live feeds guide lists the same types with the same descriptions as the schema', () => {
    expect(readmeTable()).toEqual(schemaEnum());
  });
});
