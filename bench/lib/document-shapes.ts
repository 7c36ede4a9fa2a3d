import fc from 'fast-check';

/**
 * Documents of hostile shape, for the bounded-documents suite and its benchmark row: what
 * makes a server's work grow faster than the document (fragment fan-out, pairwise field
 * comparison, deep nesting, piles of aliases, directives, variables and arguments), each up
 * to and past the token limit. Every one asks only for what an anonymous caller may (`me`,
 * `__typename`), so the answer is the document's, not a permission's.
 */

/** `query { ...F0 } fragment F0 on Query { ...F1 ...F1 } … fragment F<levels> on Query { leaf }`. */
export function doublingFragments(levels: number, leaf = '__typename'): string {
  const parts = ['query { ...F0 }'];
  for (let i = 0; i < levels; i += 1) {
    parts.push(`fragment F${i} on Query { ...F${i + 1} ...F${i + 1} }`);
  }
  parts.push(`fragment F${levels} on Query { ${leaf} }`);
  return parts.join(' ');
}

const LEAVES = ['__typename', 'me { id }', 'me { id displayName }', 'me { teams { role } }'];

/** Fragments on Query, each spreading some of the later ones (repeats allowed). */
const fragmentDag = fc
  .record({
    count: fc.integer({ min: 2, max: 80 }),
    spreads: fc.array(fc.array(fc.nat(), { minLength: 1, maxLength: 4 }), {
      minLength: 80,
      maxLength: 80,
    }),
    leaf: fc.constantFrom(...LEAVES),
  })
  .map(({ count, spreads, leaf }) => {
    const parts = ['query { ...F0 }'];
    for (let i = 0; i < count; i += 1) {
      const later = count - 1 - i;
      const body = later ? spreads[i].map((n) => `...F${i + 1 + (n % later)}`).join(' ') : leaf;
      parts.push(`fragment F${i} on Query { ${body} ${i % 3 === 0 ? leaf : ''} }`);
    }
    return parts.join(' ');
  });

/** The exact doubling chain, at any depth. */
const doublingChain = fc
  .record({ levels: fc.integer({ min: 1, max: 40 }), leaf: fc.constantFrom(...LEAVES) })
  .map(({ levels, leaf }) => doublingFragments(levels, leaf));

/** Aliased selections nested in aliased selections. */
const aliasTree = fc
  .record({ depth: fc.integer({ min: 1, max: 6 }), breadth: fc.integer({ min: 1, max: 12 }) })
  .map(({ depth, breadth }) => {
    let inner = Array.from({ length: breadth }, (_, i) => `a${i}: id`).join(' ');
    for (let d = 0; d < depth; d += 1) {
      inner = Array.from({ length: breadth }, (_, i) => `t${d}_${i}: teams { team { ${inner} } }`)
        .join(' ')
        .slice(0, 40_000);
    }
    return `{ me { ${inner} } }`;
  });

/** One field under a pile of directives. */
const directivePile = fc
  .record({ count: fc.integer({ min: 1, max: 600 }), which: fc.constantFrom('include', 'skip') })
  .map(
    ({ count, which }) =>
      `{ __typename ${`@${which}(if: ${which === 'skip' ? 'false' : 'true'}) `.repeat(count)}}`,
  );

/** A chain of nested selections, past the depth limit. */
const deepSelection = fc
  .integer({ min: 1, max: 400 })
  .map(
    (depth) =>
      `{ me { ${'teams { team { members { user { '.repeat(depth)}id${' } } } }'.repeat(depth)} } }`,
  );

/** Many declared variables, used or not. */
const manyVariables = fc
  .record({ count: fc.integer({ min: 1, max: 700 }), used: fc.boolean() })
  .map(({ count, used }) => {
    const names = Array.from({ length: count }, (_, i) => `$v${i}: Int`).join(' ');
    const body = used
      ? Array.from({ length: Math.min(count, 15) }, (_, i) => `m${i}: me { id @skip(if: false) }`)
          .join(' ')
          .concat(` __typename`)
      : '__typename';
    return `query (${names}) { ${body} }`;
  });

/** A long list of arguments, or one argument with a long list value. */
const longArguments = fc
  .record({ count: fc.integer({ min: 1, max: 900 }), asList: fc.boolean() })
  .map(({ count, asList }) =>
    asList
      ? `{ invitationPreview(token: [${Array.from({ length: count }, (_, i) => `"${i}"`).join(', ')}]) { role } }`
      : `{ invitationPreview(${Array.from({ length: count }, (_, i) => `token: "${i}"`).join(' ')}) { role } }`,
  );

/** The same response key over and over in one selection set (graphql-js compares each pair). */
const sameKeyPile = fc
  .record({
    count: fc.integer({ min: 1, max: 700 }),
    field: fc.constantFrom(
      'me { id }',
      'me { teams { role } }',
      '__typename',
      'me { id } me { displayName }',
    ),
    inline: fc.boolean(),
  })
  .map(({ count, field, inline }) => {
    const one = inline ? `... on Query { ${field} }` : field;
    return `{ ${`${one} `.repeat(count)}}`;
  });

/** Many small fragments, all spread in the operation (graphql-js compares fragment pairs). */
const manyFragments = fc
  .record({ count: fc.integer({ min: 1, max: 300 }), leaf: fc.constantFrom(...LEAVES) })
  .map(({ count, leaf }) => {
    const names = Array.from({ length: count }, (_, i) => `G${i}`);
    return `{ ${names.map((n) => `...${n}`).join(' ')} } ${names.map((n) => `fragment ${n} on Query { ${leaf} }`).join(' ')}`;
  });

/** Every shape, by name (so a failure says which). */
export const DOCUMENT_SHAPES = {
  fragmentDag,
  doublingChain,
  aliasTree,
  directivePile,
  deepSelection,
  manyVariables,
  longArguments,
  sameKeyPile,
  manyFragments,
} as const;

export type DocumentShape = keyof typeof DOCUMENT_SHAPES;

/** One generated document with the shape that made it. */
export const hostileDocument: fc.Arbitrary<{ shape: DocumentShape; query: string }> = fc.oneof(
  ...(Object.keys(DOCUMENT_SHAPES) as DocumentShape[]).map((shape) =>
    DOCUMENT_SHAPES[shape].map((query) => ({ shape, query })),
  ),
);

/**
 * A cheap document of about `bytes` bytes: `{ __typename }` padded with a comment, which the
 * parser reads but no rule walks. Its time is what the server pays per byte for any document.
 */
export const paddedDocument = (bytes: number): string =>
  `{ __typename }\n# ${'x'.repeat(Math.max(0, bytes - 18))}\n`;
