import fc from 'fast-check';
import {
  isEnumType,
  isInputObjectType,
  isListType,
  isNonNullType,
  isScalarType,
  type GraphQLInputType,
} from 'graphql';
import { REF_NAMES } from './fixture';

/** Strings chosen to break things: NUL, lone surrogates, controls, odd lengths, odd scripts. */
export const hostileString: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    '',
    ' ',
    '\u0000',
    'a\u0000b',
    '\uD800',
    '\uDFFF',
    'x\uD83D',
    '\uDE00x',
    '\u0007\u001B[31m',
    '\r\n',
    '\u0085\u009F',
    '\u202E\u200B\uFEFF',
    "'; DROP TABLE users; --",
    '%00%uD800',
    '{{7*7}}',
    '__proto__',
  ),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({
    unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)),
    maxLength: 40,
  }),
  fc.integer({ min: 4000, max: 70_000 }).map((n) => 'x'.repeat(n)),
);

/** Ids that are not ids, and ids of real rows (resolved per run) spelled every which way. */
export const hostileId: fc.Arbitrary<unknown> = fc.oneof(
  hostileString,
  fc.uuid().map((u) => u.toUpperCase()),
  fc.record({
    __ref: fc.constantFrom(...REF_NAMES),
    spell: fc.constantFrom('lower', 'upper', 'mixed', 'space', 'nul', 'braces', 'nodash'),
  }),
  fc.constantFrom('00000000-0000-0000-0000-000000000000', 'nope', '1', '-1'),
  fc.integer(),
);

export const extremeNumber: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(
    0,
    -1,
    1,
    2 ** 31 - 1,
    -(2 ** 31),
    2 ** 31,
    2 ** 53,
    -(2 ** 53),
    1e308,
    -1e308,
    1.5,
    100,
    101,
    99_999_999,
  ),
  fc.integer(),
  fc.double({ noNaN: true }),
);

/** JSON values nested deep or grown huge, with hostile keys and values. */
export const hostileJson: fc.Arbitrary<unknown> = fc.oneof(
  // Deep enough to overflow recursive code; shallow enough for the test's own JSON.stringify.
  fc.integer({ min: 20, max: 2500 }).map((depth) => {
    let value: unknown = 1;
    for (let i = 0; i < depth; i++) value = i % 2 ? { d: value } : [value];
    return { root: value };
  }),
  fc.integer({ min: 60, max: 90 }).map((kib) => ({ big: 'y'.repeat(kib * 1024) })),
  fc.dictionary(
    hostileString,
    fc.oneof(hostileString, extremeNumber, fc.boolean(), fc.constant(null)),
    { maxKeys: 5 },
  ),
  fc.jsonValue({ maxDepth: 4 }),
  fc.array(fc.integer(), { maxLength: 5 }),
);

/** Values of the wrong type, for any position. */
export const wrongType: fc.Arbitrary<unknown> = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.integer(),
  fc.string({ maxLength: 8 }),
  fc.array(fc.string({ maxLength: 4 }), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 4 }), fc.string({ maxLength: 4 }), { maxKeys: 3 }),
);

/**
 * Hostile values for each scalar a client can send. A scalar missing here fails the coverage
 * test: a new input type needs its generator before it can ship.
 */
export const SCALAR_GENERATORS: Record<string, fc.Arbitrary<unknown>> = {
  ID: hostileId,
  String: hostileString,
  Int: extremeNumber,
  Float: extremeNumber,
  Boolean: fc.oneof(fc.boolean(), fc.constantFrom('true', 0, 1)),
  JSONObject: hostileJson,
  DateTime: fc.oneof(
    fc.constantFrom('2026-02-30T00:00:00Z', '+275760-09-13T00:00:00Z', 'now', '0000-00-00'),
    hostileString,
  ),
};

/** A hostile value for an input type (its nested input fields included). */
export function hostileFor(type: GraphQLInputType): fc.Arbitrary<unknown> {
  if (isNonNullType(type))
    return fc.oneof(
      { weight: 1, arbitrary: fc.constant(null) },
      { weight: 6, arbitrary: hostileFor(type.ofType) },
    );
  if (isListType(type)) {
    const item = hostileFor(type.ofType);
    return fc.oneof(
      fc.array(item, { maxLength: 4 }),
      item,
      fc.array(item, { minLength: 200, maxLength: 300 }),
    );
  }
  if (isEnumType(type)) {
    const values = type.getValues().map((v) => v.name);
    return fc.oneof(
      fc.constantFrom(...values),
      fc.constantFrom(...values).map((v) => v.toLowerCase()),
      fc.constantFrom(...values).map((v) => v.slice(0, -1)),
      wrongType,
    );
  }
  if (isScalarType(type)) {
    const generator = SCALAR_GENERATORS[type.name];
    if (!generator) throw new Error(`no hostile generator for the scalar ${type.name}`);
    return fc.oneof({ weight: 8, arbitrary: generator }, { weight: 1, arbitrary: wrongType });
  }
  if (isInputObjectType(type)) {
    const fields = Object.values(type.getFields());
    const record = Object.fromEntries(fields.map((f) => [f.name, hostileFor(f.type)]));
    return fc.oneof(
      { weight: 6, arbitrary: fc.record(record, { requiredKeys: [] }) },
      { weight: 1, arbitrary: fc.record({ ...record, unknownField: hostileString }) },
      { weight: 1, arbitrary: wrongType },
    );
  }
  throw new Error(`no hostile generator for ${String(type)}`);
}

/** Every named input type reachable from a type (for the coverage check). */
export function inputTypesOf(type: GraphQLInputType, seen = new Set<string>()): Set<string> {
  if (isNonNullType(type) || isListType(type)) return inputTypesOf(type.ofType, seen);
  if (seen.has(type.name)) return seen;
  seen.add(type.name);
  if (isInputObjectType(type))
    for (const f of Object.values(type.getFields())) inputTypesOf(f.type, seen);
  return seen;
}
