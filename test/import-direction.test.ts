import path from 'node:path';
import {
  describeImports,
  importsAgainstDirection,
  layerOf,
  readLayeredSources,
} from './support/import-direction';

/**
 * Imports run one way: entry → api → domain → data → lib (docs/development.md, "Layout"). A file may import
 * its own layer and any layer below it, never one above.
 */
describe('import direction', () => {
  it('every import in entities/, resolvers/, schema/, src/ and ormconfig.ts runs downward', () => {
    const sources = readLayeredSources(path.join(__dirname, '..'));
    // The walk found the tree (not an empty map that would pass trivially).
    expect(sources.has('src/main.ts')).toBe(true);
    expect(sources.has('ormconfig.ts')).toBe(true);
    expect(sources.size).toBeGreaterThan(200);
    expect(describeImports(importsAgainstDirection(sources))).toBe('');
  });

  it('places the folders in their layers', () => {
    expect(layerOf('src/main.ts')).toBe('entry');
    expect(layerOf('src/server/graphql/build-schema.ts')).toBe('entry');
    expect(layerOf('resolvers/context.ts')).toBe('api');
    expect(layerOf('schema/permissions.ts')).toBe('api');
    expect(layerOf('src/live/live-activity-feed.ts')).toBe('domain');
    expect(layerOf('src/services.ts')).toBe('domain');
    expect(layerOf('entities/team.entity.ts')).toBe('data');
    expect(layerOf('src/db/in-transaction.ts')).toBe('data');
    expect(layerOf('src/config/config.ts')).toBe('lib');
    expect(layerOf('src/util/with-timeout.ts')).toBe('lib');
    expect(layerOf('test/support/test-app.ts')).toBeNull();
  });

  it('reports an import that runs upward, or out of the layers, with its resolved target', () => {
    const sources = new Map([
      ['src/live/feed.ts', `import type { Context } from '../../resolvers/context';`],
      ['src/teams/team.ts', `export { rule } from '../../schema/rules';`],
      ['src/db/rows.ts', `const events = require('../events/bus');`],
      ['src/config/config.ts', `import '../db/rows';\nimport { t } from '../../test/helper';`],
      ['resolvers/context.ts', `import { services } from '../src/services'; // downward`],
      ['schema/rules/index.ts', `export const rule = 1;`],
      [
        'src/events/bus.ts',
        `import '../db/rows';\nexport const app = () => import('../server/app');`,
      ],
      ['src/services.ts', `export * from './teams/team';`],
    ]);
    expect(importsAgainstDirection(sources)).toEqual([
      {
        file: 'src/live/feed.ts',
        imports: '../../resolvers/context',
        target: 'resolvers/context.ts',
        from: 'domain',
        to: 'api',
      },
      {
        file: 'src/teams/team.ts',
        imports: '../../schema/rules',
        target: 'schema/rules/index.ts',
        from: 'domain',
        to: 'api',
      },
      {
        file: 'src/db/rows.ts',
        imports: '../events/bus',
        target: 'src/events/bus.ts',
        from: 'data',
        to: 'domain',
      },
      {
        file: 'src/config/config.ts',
        imports: '../db/rows',
        target: 'src/db/rows.ts',
        from: 'lib',
        to: 'data',
      },
      {
        file: 'src/config/config.ts',
        imports: '../../test/helper',
        target: 'test/helper',
        from: 'lib',
        to: 'outside the layers',
      },
      {
        file: 'src/events/bus.ts',
        imports: '../server/app',
        target: 'src/server/app',
        from: 'domain',
        to: 'entry',
      },
    ]);
  });
});
