import { readFileSync } from 'node:fs';
import path from 'node:path';
import { printSortedSchema } from '../src/server/graphql/build-schema';

describe('schema/schema.graphql', () => {
  it('is exactly what the code emits (run `npm run schema` and commit the diff)', () => {
    const committed = readFileSync(path.join(__dirname, '..', 'schema', 'schema.graphql'), 'utf8');
    expect(committed).toBe(printSortedSchema());
  });

  it('uses the contract names for scalars and client-facing types', () => {
    const sdl = printSortedSchema();
    for (const name of [
      'scalar DateTime',
      'scalar JSONObject',
      'enum Role',
      'input SignUpInput',
      'input UpdateProfileInput',
      'input CreateTeamInput',
    ]) {
      expect(sdl).toContain(name);
    }
    expect(sdl).not.toContain('DateTimeISO');
  });
});
