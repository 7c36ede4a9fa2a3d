import path from 'node:path';
import {
  describeImports,
  describeSocketWrites,
  importsAgainstDirection,
  layerOf,
  readLayeredSources,
  socketWritesOutsideTransport,
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
    expect(layerOf('src/db/transaction.ts')).toBe('data');
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

  it('nothing in src/ outside the live transport writes to a socket or frames a message', () => {
    const sources = readLayeredSources(path.join(__dirname, '..'));
    // The rule sees the transport's own writes (it is not looking at an empty tree).
    const inside = new Map(
      [...sources].filter(([file]) => file.startsWith('src/server/live-transport/')),
    );
    const insideAsOutside = new Map(
      [...inside].map(([file, text]) => [file.replace('live-transport/', 'elsewhere/'), text]),
    );
    expect(socketWritesOutsideTransport(inside)).toEqual([]);
    expect(new Set(socketWritesOutsideTransport(insideAsOutside).map((w) => w.kind))).toEqual(
      new Set([
        'imports ws',
        'writes to a socket',
        'frames a message',
        'builds a graphql-ws message',
      ]),
    );
    expect(describeSocketWrites(socketWritesOutsideTransport(sources))).toBe('');
  });

  it('reports a socket written, a frame or a graphql-ws message built outside the transport', () => {
    const sources = new Map([
      ['src/live/feed.ts', `import type { WebSocket } from 'ws';\nconst ws = require('ws');`],
      [
        'src/live/hub.ts',
        [
          `function deliver(live: Live, frame: Buffer) {`,
          `  live.socket.close(4403, 'Forbidden');`,
          `  const { socket } = ctx.extra;`,
          `  socket.send(frame);`,
          `  const stream = ctx.extra.request.socket;`,
          `  stream.cork();`,
          `  for (const client of wss.clients) client.terminate();`,
          `  const head = \`{"id":\${id},"type":"next","payload":\`;`,
          `  const message = JSON.stringify({ id, type: 'next', payload });`,
          `  frame[0] = 0x81;`,
          `  live.stream.write(frame);`,
          `  return Buffer.from([0x81, 5]);`,
          `}`,
        ].join('\n'),
      ],
      // The same calls on sockets and streams that ws never handed out are not its writes.
      ['src/server/http-drain.ts', `function endGently(socket: Socket) { socket.end(); }`],
      [
        'src/db/send-together.ts',
        `const stream = internals.connection.stream;\nstream.cork();\nfeed.close();`,
      ],
      ['src/server/live-transport/writer.ts', `import WebSocket from 'ws';\nsocket.close(4403);`],
      ['test/support/raw.ts', `import WebSocket from 'ws';\nws.extra.socket.write(frame);`],
    ]);
    expect(
      socketWritesOutsideTransport(sources).map(({ file, line, kind }) => [file, line, kind]),
    ).toEqual([
      ['src/live/feed.ts', 1, 'imports ws'],
      ['src/live/feed.ts', 2, 'imports ws'],
      ['src/live/hub.ts', 2, 'writes to a socket'],
      ['src/live/hub.ts', 4, 'writes to a socket'],
      ['src/live/hub.ts', 6, 'writes to a socket'],
      ['src/live/hub.ts', 7, 'writes to a socket'],
      ['src/live/hub.ts', 8, 'builds a graphql-ws message'],
      ['src/live/hub.ts', 9, 'builds a graphql-ws message'],
      ['src/live/hub.ts', 10, 'frames a message'],
      ['src/live/hub.ts', 11, 'writes to a socket'],
      ['src/live/hub.ts', 12, 'frames a message'],
    ]);
  });
});
