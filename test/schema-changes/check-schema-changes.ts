import { ChangeType, CriticalityLevel, diff, type Change } from '@graphql-inspector/core';
import {
  buildSchema,
  getNamedType,
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isObjectType,
  type GraphQLSchema,
  type GraphQLType,
} from 'graphql';
import { parseChangelog, type ChangelogSection } from '../../src/util/changelog';

/** The shortest time between a deprecation and the breaking change it announces (API.md). */
export const MIN_DEPRECATION_DAYS = 90;
const DAY_MS = 24 * 60 * 60 * 1000;
const REMOVAL_ON = /Removal on (\d{4}-\d{2}-\d{2})\./;

/** Changes that bring a whole element in: what is inside it is listed with it. */
const ADDED = new Set<string>([
  ChangeType.TypeAdded,
  ChangeType.FieldAdded,
  ChangeType.InputFieldAdded,
  ChangeType.EnumValueAdded,
  ChangeType.DirectiveAdded,
]);

export interface SchemaChangeInput {
  /** SDL of the last released schema (schema/released.graphql). */
  released: string;
  /** SDL of the schema as the code emits it (schema/schema.graphql). */
  current: string;
  /** CHANGELOG.md's text. */
  changelog: string;
  /** Today, YYYY-MM-DD. */
  today: string;
}

/** A deprecatable element of a schema by its path, with its @deprecated reason (or undefined). */
function deprecations(schema: GraphQLSchema): Map<string, string | undefined> {
  const found = new Map<string, string | undefined>();
  for (const type of Object.values(schema.getTypeMap())) {
    if (type.name.startsWith('__')) continue;
    if (isObjectType(type) || isInterfaceType(type)) {
      for (const field of Object.values(type.getFields())) {
        found.set(`${type.name}.${field.name}`, field.deprecationReason ?? undefined);
        for (const arg of field.args) {
          found.set(`${type.name}.${field.name}.${arg.name}`, arg.deprecationReason ?? undefined);
        }
      }
    } else if (isInputObjectType(type)) {
      for (const field of Object.values(type.getFields())) {
        found.set(`${type.name}.${field.name}`, field.deprecationReason ?? undefined);
      }
    } else if (isEnumType(type)) {
      for (const value of type.getValues()) {
        found.set(`${type.name}.${value.name}`, value.deprecationReason ?? undefined);
      }
    }
  }
  return found;
}

const namedType = (type: GraphQLType) => getNamedType(type).name;

/** Paths of the released schema whose value is of `typeName` (fields, arguments, input fields). */
function referencesTo(schema: GraphQLSchema, typeName: string): string[] {
  const found: string[] = [];
  for (const type of Object.values(schema.getTypeMap())) {
    if (type.name.startsWith('__')) continue;
    if (isObjectType(type) || isInterfaceType(type) || isInputObjectType(type)) {
      for (const field of Object.values(type.getFields())) {
        const path = `${type.name}.${field.name}`;
        if (namedType(field.type) === typeName) found.push(path);
        for (const arg of 'args' in field ? field.args : []) {
          if (namedType(arg.type) === typeName) found.push(`${path}.${arg.name}`);
        }
      }
    }
  }
  return found;
}

/** The path a change is listed under: without its directive part (`Team.members.@deprecated`). */
const listedPath = (path: string) => path.split('.@')[0];

/** `path` and its parents, longest first: `Team.f.arg`, `Team.f`, `Team`. */
function withParents(path: string): string[] {
  const parts = path.split('.');
  return parts.map((_, i) => parts.slice(0, parts.length - i).join('.'));
}

/** The earliest `deprecated on` date the changelog gives `path`, or null. */
function deprecatedOn(sections: ChangelogSection[], path: string): string | null {
  const dates = sections
    .flatMap((section) => section.entries)
    .filter((entry) => entry.path === path && entry.deprecatedOn)
    .map((entry) => entry.deprecatedOn as string);
  return dates.length ? dates.sort()[0] : null;
}

const daysBetween = (from: string, to: string) =>
  Math.round((Date.parse(to) - Date.parse(from)) / DAY_MS);

/**
 * What is wrong with a deprecation: a reason without `Removal on YYYY-MM-DD.`, no dated
 * changelog entry, or a removal less than MIN_DEPRECATION_DAYS after the deprecation.
 */
function deprecationProblem(
  sections: ChangelogSection[],
  path: string,
  reason: string,
): string | null {
  const removal = REMOVAL_ON.exec(reason)?.[1];
  if (!removal) return `${path}: its @deprecated reason names no "Removal on YYYY-MM-DD."`;
  const since = deprecatedOn(sections, path);
  if (!since) return `${path}: CHANGELOG.md gives no "deprecated on YYYY-MM-DD" for it`;
  const days = daysBetween(since, removal);
  if (days < MIN_DEPRECATION_DAYS) {
    return `${path}: removal on ${removal} is ${days} days after its deprecation on ${since}; at least ${MIN_DEPRECATION_DAYS} are needed`;
  }
  return null;
}

/** Why a breaking change to `path` may not be made yet, or null when it may. */
function breakingProblem(
  sections: ChangelogSection[],
  released: GraphQLSchema,
  releasedDeprecations: Map<string, string | undefined>,
  change: Change,
  today: string,
): string | null {
  const path = listedPath(change.path ?? '');
  if (change.type === ChangeType.TypeRemoved) {
    // A type cannot be deprecated: it may go once everything that led to it could go.
    const blocked = referencesTo(released, path)
      .map((reference) => breakingProblemAt(sections, releasedDeprecations, reference, today))
      .filter((problem): problem is string => problem !== null);
    return blocked.length ? `${change.message}: ${blocked.join('; ')}` : null;
  }
  const problem = breakingProblemAt(sections, releasedDeprecations, path, today);
  return problem && `${change.message}: ${problem}`;
}

/** Whether the element at `path` (or the field holding it) was deprecated and is due. */
function breakingProblemAt(
  sections: ChangelogSection[],
  releasedDeprecations: Map<string, string | undefined>,
  path: string,
  today: string,
): string | null {
  const deprecated = withParents(path).find((p) => releasedDeprecations.get(p) !== undefined);
  if (!deprecated) return `${path} was not @deprecated in the released schema`;
  const reason = releasedDeprecations.get(deprecated) as string;
  const invalid = deprecationProblem(sections, deprecated, reason);
  if (invalid) return invalid;
  const removal = REMOVAL_ON.exec(reason)?.[1] as string;
  return removal > today ? `${path} is due for removal on ${removal}, not before` : null;
}

/**
 * Deprecation dates outside their section: after the release that lists them, before the
 * release below it, or (unreleased) in the future. A date set back would let a removal come
 * early.
 */
function misdatedDeprecations(sections: ChangelogSection[], today: string): string[] {
  return sections.flatMap((section, i) => {
    const latest = section.date ?? today;
    const earliest = sections.slice(i + 1).find((older) => older.date)?.date ?? '';
    return section.entries.flatMap(({ path, deprecatedOn: on }) =>
      on && (on > latest || on < earliest)
        ? [
            `${path}: deprecated on ${on}, outside its section (${earliest || 'the start'} to ${latest})`,
          ]
        : [],
    );
  });
}

/**
 * Every reason the current schema may not be released as it stands, empty when it may: changes
 * against the released schema that CHANGELOG.md's Unreleased section does not list, breaking
 * changes made without a due deprecation, and deprecations without a valid removal date.
 */
export async function checkSchemaChanges(input: SchemaChangeInput): Promise<string[]> {
  const released = buildSchema(input.released);
  const current = buildSchema(input.current);
  const sections = parseChangelog(input.changelog);
  const unreleased = sections.find((section) => section.version === null);
  if (!unreleased) return ['CHANGELOG.md has no "## Unreleased" section'];
  const listed = new Set(unreleased.entries.map((entry) => entry.path));
  const changes = await diff(released, current);
  const added = new Set(
    changes.filter((c) => ADDED.has(c.type) && c.path).map((c) => c.path as string),
  );
  const releasedDeprecations = deprecations(released);
  const problems: string[] = [];
  for (const change of changes) {
    if (!change.path) {
      problems.push(`${change.message}: a change without a path cannot be listed; review it`);
      continue;
    }
    const path = listedPath(change.path);
    // What comes inside a new element (a new type's fields, a new field's arguments) is listed
    // with it.
    const entryPath =
      withParents(path)
        .reverse()
        .find((p) => added.has(p)) ?? path;
    if (!listed.has(entryPath)) {
      problems.push(
        `${change.message}: CHANGELOG.md's Unreleased section does not list \`${entryPath}\``,
      );
    }
    if (change.criticality.level === CriticalityLevel.Breaking) {
      const problem = breakingProblem(
        sections,
        released,
        releasedDeprecations,
        change,
        input.today,
      );
      if (problem) problems.push(`breaking: ${problem}`);
    }
  }
  for (const [path, reason] of deprecations(current)) {
    const problem = reason !== undefined && deprecationProblem(sections, path, reason);
    if (problem) problems.push(problem);
  }
  problems.push(...misdatedDeprecations(sections, input.today));
  return [...new Set(problems)];
}
