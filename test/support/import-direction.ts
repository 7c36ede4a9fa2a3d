import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

/** The layers, top to bottom: a file may import its own layer and the ones below it. */
export const LAYERS = ['entry', 'api', 'domain', 'data', 'lib'] as const;
export type Layer = (typeof LAYERS)[number];

/** Path prefixes (from the repository root) and their layer; the first match wins. */
const LAYER_OF_PATH: [prefix: string, layer: Layer][] = [
  ['src/main.ts', 'entry'],
  ['src/app.ts', 'entry'],
  ['src/cli/', 'entry'],
  ['src/server/', 'entry'],
  ['resolvers/', 'api'],
  ['schema/', 'api'],
  ['entities/', 'data'],
  ['src/db/', 'data'],
  ['src/migrations/', 'data'],
  ['ormconfig.ts', 'data'],
  ['src/config/', 'lib'],
  ['src/errors/', 'lib'],
  ['src/logging/', 'lib'],
  ['src/util/', 'lib'],
  ['src/validation/', 'lib'],
  ['src/', 'domain'],
  // The kit's log verifier: pure, so the CLI checks exports with the very code the kit runs.
  ['client/src/log-verification/', 'lib'],
  ['client/src/activity-hash.ts', 'lib'],
];

/** The folders (and files) whose imports are checked. */
export const LAYERED_ROOTS = [
  'entities',
  'resolvers',
  'schema',
  'src',
  'ormconfig.ts',
  'client/src/log-verification',
  'client/src/activity-hash.ts',
];

/** The layer of a repository-relative path, or null outside the layered folders. */
export function layerOf(file: string): Layer | null {
  return LAYER_OF_PATH.find(([prefix]) => file.startsWith(prefix))?.[1] ?? null;
}

/** Source files by repository-relative path ('src/main.ts'). */
export type SourceFiles = ReadonlyMap<string, string>;

export interface ImportAgainstDirection {
  file: string;
  /** The specifier as written. */
  imports: string;
  /** The file it resolves to (repository-relative), or the specifier's own path if it does not. */
  target: string;
  from: Layer;
  to: Layer | 'outside the layers';
}

/** A virtual root, so fixtures and the real tree resolve alike. */
const ROOT = '/repo/';
const COMPILER_OPTIONS: ts.CompilerOptions = {
  module: ts.ModuleKind.Node16,
  moduleResolution: ts.ModuleResolutionKind.Node16,
};

/**
 * Every relative import (static, type-only, re-export, dynamic or require) among `files` that
 * points to a higher layer, or out of the layers. Specifiers are resolved as the compiler
 * resolves them, against `files` alone.
 */
export function importsAgainstDirection(files: SourceFiles): ImportAgainstDirection[] {
  const host: ts.ModuleResolutionHost = {
    fileExists: (name) => name.startsWith(ROOT) && files.has(name.slice(ROOT.length)),
    readFile: (name) => files.get(name.slice(ROOT.length)),
  };
  const found: ImportAgainstDirection[] = [];
  for (const [file, text] of files) {
    const from = layerOf(file);
    if (!from) continue;
    for (const { fileName } of ts.preProcessFile(text, true, true).importedFiles) {
      if (!fileName.startsWith('.')) continue;
      const resolved = ts.resolveModuleName(fileName, ROOT + file, COMPILER_OPTIONS, host)
        .resolvedModule?.resolvedFileName;
      const target = resolved
        ? resolved.slice(ROOT.length)
        : path.posix.join(path.posix.dirname(file), fileName);
      const to = layerOf(target) ?? 'outside the layers';
      if (to === 'outside the layers' || LAYERS.indexOf(to) < LAYERS.indexOf(from)) {
        found.push({ file, imports: fileName, target, from, to });
      }
    }
  }
  return found;
}

/** The TypeScript files of the layered folders under `root`, by repository-relative path. */
export function readLayeredSources(root: string): Map<string, string> {
  const files = new Map<string, string>();
  const visit = (relative: string): void => {
    const absolute = path.join(root, relative);
    if (!existsSync(absolute)) return;
    if (relative.endsWith('.ts')) {
      files.set(relative, readFileSync(absolute, 'utf8'));
      return;
    }
    for (const entry of readdirSync(absolute, { withFileTypes: true })) {
      if (entry.isDirectory() || entry.name.endsWith('.ts')) {
        visit(path.posix.join(relative, entry.name));
      }
    }
  };
  for (const entry of LAYERED_ROOTS) visit(entry);
  return files;
}

/** One line per import, for a failure message. */
export function describeImports(found: ImportAgainstDirection[]): string {
  return found
    .map((i) => `${i.file} (${i.from}) imports '${i.imports}' → ${i.target} (${i.to})`)
    .join('\n');
}
