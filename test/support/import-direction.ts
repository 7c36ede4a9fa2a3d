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

/**
 * The folder that owns how bytes leave on a socket: execution for an audience, serialisation,
 * framing, socket writes and close codes (docs/development.md, "Layout"). Nothing else in
 * `src/` writes to a socket.
 */
export const TRANSPORT_FOLDER = 'src/server/live-transport/';

export type SocketWriteKind =
  'imports ws' | 'writes to a socket' | 'frames a message' | 'builds a graphql-ws message';

export interface SocketWriteOutsideTransport {
  file: string;
  /** 1-based. */
  line: number;
  kind: SocketWriteKind;
  /** The offending code as written. */
  code: string;
}

/** Calls that put bytes on a socket, or close or cut it. */
const WRITE_METHODS = new Set([
  'write',
  'end',
  'close',
  'terminate',
  'cork',
  'uncork',
  'send',
  'ping',
]);
/**
 * How code reaches a ws socket or the connection under it: a `socket` property (graphql-ws's
 * `extra.socket`, an upgraded request's `request.socket`, a target holding one), a `stream`
 * property (a connection kept to write frames to), graphql-ws's per-socket `extra`, or a ws
 * server's `clients`. The data layer's streams are database connections: it is not checked for
 * these writes (it cannot import the server layer, nor ws without being caught).
 */
const SOCKET_ROUTES = new Set(['socket', 'stream', 'extra', 'clients']);
/** `"type":"next"` in a string: a graphql-ws result message spelled out by hand. */
const NEXT_MESSAGE = /"type"\s*:\s*"next"/;
/** A frame's first byte, FIN and an opcode (RFC 6455 §5.2). */
const isFrameHeadByte = (node: ts.Node): boolean =>
  ts.isNumericLiteral(node) && /^0x8[0-9a-f]$/i.test(node.getText());

/**
 * A receiver's property chain: `a.b(x).c` → root `a`, properties b, c (`this` has no root name).
 */
function chainOf(node: ts.Expression): { root: string | null; properties: string[] } {
  const properties: string[] = [];
  let current: ts.Expression = node;
  for (;;) {
    if (ts.isPropertyAccessExpression(current)) {
      properties.unshift(current.name.text);
      current = current.expression;
    } else if (
      ts.isParenthesizedExpression(current) ||
      ts.isAsExpression(current) ||
      ts.isNonNullExpression(current) ||
      ts.isElementAccessExpression(current) ||
      ts.isCallExpression(current)
    ) {
      current = current.expression;
    } else {
      return { root: ts.isIdentifier(current) ? current.text : null, properties };
    }
  }
}

/** Whether the expression goes through a socket route (`x.socket`, `x.extra`, `x.clients`). */
const throughSocketRoute = (node: ts.Expression): boolean =>
  chainOf(node).properties.some((name) => SOCKET_ROUTES.has(name));

/** Whether a binding (a name or a destructuring pattern) binds `name`. */
function binds(binding: ts.BindingName, name: string): boolean {
  if (ts.isIdentifier(binding)) return binding.text === name;
  return binding.elements.some(
    (element) => !ts.isOmittedExpression(element) && binds(element.name, name),
  );
}

/** The variable declarations a list or a statement list declares `name` with. */
function declaredIn(statements: readonly ts.Node[], name: string): ts.VariableDeclaration | null {
  for (const statement of statements) {
    const list = ts.isVariableStatement(statement)
      ? statement.declarationList
      : ts.isVariableDeclarationList(statement)
        ? statement
        : null;
    const found = list?.declarations.find((d) => binds(d.name, name));
    if (found) return found;
  }
  return null;
}

/**
 * The declaration `name` refers to at `use`, by the scopes around it: a function's parameter,
 * a variable of a block, or a loop's variable. Null for a parameter or a name declared
 * elsewhere (an import, a class member, a global).
 */
function declarationOf(name: string, use: ts.Node): ts.VariableDeclaration | null {
  for (let scope: ts.Node | undefined = use.parent; scope; scope = scope.parent) {
    if (ts.isFunctionLike(scope) && scope.parameters.some((p) => binds(p.name, name))) {
      return null;
    }
    if (ts.isBlock(scope) || ts.isSourceFile(scope) || ts.isCaseClause(scope)) {
      const found = declaredIn(scope.statements, name);
      if (found) return found;
    }
    if (
      (ts.isForOfStatement(scope) || ts.isForInStatement(scope) || ts.isForStatement(scope)) &&
      scope.initializer
    ) {
      const found = declaredIn([scope.initializer], name);
      if (found) return found;
    }
  }
  return null;
}

/** Whether a declaration binds a ws socket: `const { socket } = ctx.extra`, `for (const c of wss.clients)`. */
function bindsSocket(declaration: ts.VariableDeclaration): boolean {
  if (declaration.initializer) return throughSocketRoute(declaration.initializer);
  const loop = declaration.parent.parent;
  return (
    (ts.isForOfStatement(loop) || ts.isForInStatement(loop)) && throughSocketRoute(loop.expression)
  );
}

/**
 * Every place in `src/` outside TRANSPORT_FOLDER that writes to a socket or frames a message:
 * - imports `ws` (in any form, types included);
 * - calls write, end, close, terminate, cork, uncork, send or ping on a socket it reached
 *   through a SOCKET_ROUTES name, or on a variable (found by its scope) bound from one (the
 *   data layer excepted);
 * - frames: sets a buffer's byte to a frame's first byte (`frame[0] = 0x81`), or makes a
 *   buffer starting with one (`Buffer.from([0x81, …])`);
 * - spells out a graphql-ws `next` message (`"type":"next"` in a string, or an object with
 *   `type: 'next'` and a `payload`).
 */
export function socketWritesOutsideTransport(files: SourceFiles): SocketWriteOutsideTransport[] {
  const found: SocketWriteOutsideTransport[] = [];
  for (const [file, text] of files) {
    if (!file.startsWith('src/') || file.startsWith(TRANSPORT_FOLDER)) continue;
    const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
    const report = (node: ts.Node, kind: SocketWriteKind) =>
      found.push({
        file,
        line: source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1,
        kind,
        code: node.getText(source),
      });
    for (const imported of ts.preProcessFile(text, true, true).importedFiles) {
      if (imported.fileName === 'ws') {
        found.push({
          file,
          line: source.getLineAndCharacterOfPosition(imported.pos).line + 1,
          kind: 'imports ws',
          code: imported.fileName,
        });
      }
    }
    const isSocket = (receiver: ts.Expression) => {
      if (throughSocketRoute(receiver)) return true;
      const { root } = chainOf(receiver);
      const declaration = root ? declarationOf(root, receiver) : null;
      return declaration !== null && bindsSocket(declaration);
    };
    const visit = (node: ts.Node): void => {
      if (
        layerOf(file) !== 'data' &&
        ts.isCallExpression(node) &&
        ts.isPropertyAccessExpression(node.expression) &&
        WRITE_METHODS.has(node.expression.name.text) &&
        isSocket(node.expression.expression)
      ) {
        report(node, 'writes to a socket');
      }
      if (
        ts.isBinaryExpression(node) &&
        node.operatorToken.kind === ts.SyntaxKind.EqualsToken &&
        ts.isElementAccessExpression(node.left) &&
        isFrameHeadByte(node.right)
      ) {
        report(node, 'frames a message');
      }
      if (
        ts.isCallExpression(node) &&
        ts.isPropertyAccessExpression(node.expression) &&
        ts.isIdentifier(node.expression.expression) &&
        node.expression.expression.text === 'Buffer'
      ) {
        const [first] = node.arguments;
        const head = first && ts.isArrayLiteralExpression(first) ? first.elements[0] : first;
        if (head && isFrameHeadByte(head)) report(node, 'frames a message');
      }
      if (
        (ts.isStringLiteral(node) ||
          ts.isNoSubstitutionTemplateLiteral(node) ||
          ts.isTemplateHead(node) ||
          ts.isTemplateMiddle(node) ||
          ts.isTemplateTail(node)) &&
        NEXT_MESSAGE.test(node.text)
      ) {
        report(node, 'builds a graphql-ws message');
      }
      if (ts.isObjectLiteralExpression(node)) {
        const property = (name: string) =>
          node.properties.find((p) => p.name && ts.isIdentifier(p.name) && p.name.text === name);
        const type = property('type');
        if (
          type &&
          ts.isPropertyAssignment(type) &&
          ts.isStringLiteralLike(type.initializer) &&
          type.initializer.text === 'next' &&
          property('payload')
        ) {
          report(node, 'builds a graphql-ws message');
        }
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  return found;
}

/** One line per place, for a failure message. */
export function describeSocketWrites(found: SocketWriteOutsideTransport[]): string {
  return found.map((w) => `${w.file}:${w.line} ${w.kind}: ${w.code}`).join('\n');
}
