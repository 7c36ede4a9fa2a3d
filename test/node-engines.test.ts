import { readFileSync } from 'node:fs';
import path from 'node:path';
import semver from 'semver';

/**
 * `npm ci` warns (EBADENGINE) for every locked package whose `engines.node` excludes the
 * running Node. For the lowest release of each Node line we declare (`engines` in
 * package.json), no locked package may exclude it — so `npm ci` is silent on all of them.
 */
const ROOT = path.join(__dirname, '..');
const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
  engines: { node: string };
};
const lock = JSON.parse(readFileSync(path.join(ROOT, 'package-lock.json'), 'utf8')) as {
  packages: Record<string, { engines?: { node?: string } | string[]; version?: string }>;
};

/** The first release of each `||` alternative: 20.19.0, 22.13.0, 24.11.0. */
const lowest = pkg.engines.node
  .split('||')
  .map((range) => semver.minVersion(range.trim())?.version)
  .filter((v): v is string => Boolean(v));

it('declares the maintained LTS lines (22, 24) and the last one that still works (20)', () => {
  expect(lowest.map((v) => semver.major(v))).toEqual([20, 22, 24]);
  expect(semver.satisfies(process.versions.node, pkg.engines.node)).toBe(true);
});

it.each(lowest)('every locked package accepts Node %s', (version) => {
  const refusing = Object.entries(lock.packages)
    .filter(([name]) => name !== '')
    .flatMap(([name, entry]) => {
      const range = !Array.isArray(entry.engines) ? entry.engines?.node : undefined;
      if (!range || semver.satisfies(version, range, { includePrerelease: true })) return [];
      return [`${name.replace(/^.*node_modules\//, '')} wants node ${range}`];
    });
  expect(refusing).toEqual([]);
});
