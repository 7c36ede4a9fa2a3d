import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

/** The checked-in typed operations are what GraphQL Code Generator makes of the schema now. */
describe('client/generated/graphql.ts', () => {
  it('is current (run `npm run codegen` after changing the schema or an operation)', async () => {
    const root = join(__dirname, '..');
    const cli = join(root, 'node_modules', '@graphql-codegen', 'cli', 'cjs', 'bin.js');
    // --check regenerates in memory and exits non-zero when a file would change.
    const run = promisify(execFile)(
      process.execPath,
      [cli, '--config', 'client/codegen.ts', '--check'],
      {
        cwd: root,
      },
    );
    await expect(run).resolves.toBeDefined();
  }, 60_000);
});
