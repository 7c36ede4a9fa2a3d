import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseChangelog, stampRelease } from '../src/util/changelog';
import { checkSchemaChanges } from './schema-changes/check-schema-changes';

const read = (file: string) => readFileSync(path.join(__dirname, '..', file), 'utf8');

describe('schema changes against the released schema', () => {
  it('lists every change in CHANGELOG.md and breaks nothing before its deprecation is due', async () => {
    const problems = await checkSchemaChanges({
      released: read('schema/released.graphql'),
      current: read('schema/schema.graphql'),
      changelog: read('CHANGELOG.md'),
      today: new Date().toISOString().slice(0, 10),
    });
    expect(problems).toEqual([]);
  });
});

describe('the schema change check', () => {
  const released = `
    type Query { team: Team }
    type Team {
      name: String
      members: [String] @deprecated(reason: "Use memberConnection. Removal on 2027-03-08.")
    }`;
  const withoutMembers = `type Query { team: Team } type Team { name: String }`;
  const releasedChangelog = `# Changelog

## Unreleased

## 0.2.0 (2026-12-07)

- \`Team.members\`: deprecated on 2026-12-07. Removal on 2027-03-08.
`;
  const listingRemoval = releasedChangelog.replace(
    '## Unreleased\n',
    '## Unreleased\n\n- `Team.members`: removed.\n',
  );

  /** Team.members removed from `from`, on `today`, against `changelog`. */
  const removeMembers = (today: string, changelog = listingRemoval, from = released) =>
    checkSchemaChanges({ released: from, current: withoutMembers, changelog, today });

  it('refuses a removed field that was never deprecated', async () => {
    const undeprecated = `type Query { team: Team } type Team { name: String members: [String] }`;
    expect(await removeMembers('2027-06-01', listingRemoval, undeprecated)).toEqual([
      "breaking: Field 'members' was removed from object type 'Team': Team.members was not @deprecated in the released schema",
    ]);
  });

  it("accepts a listed removal once its deprecation's removal date has come", async () => {
    expect(await removeMembers('2027-03-08')).toEqual([]);
  });

  it('refuses the same removal before its date', async () => {
    expect(await removeMembers('2027-03-07')).toEqual([
      "breaking: Field 'members' (deprecated) was removed from object type 'Team': Team.members is due for removal on 2027-03-08, not before",
    ]);
  });

  it('refuses a due removal that CHANGELOG.md does not list', async () => {
    expect(await removeMembers('2027-06-01', releasedChangelog)).toEqual([
      "Field 'members' (deprecated) was removed from object type 'Team': CHANGELOG.md's Unreleased section does not list `Team.members`",
    ]);
  });

  it('refuses an added field that CHANGELOG.md does not list, and accepts it listed', async () => {
    const current = released.replace('name: String', 'name: String\n topic: String');
    const check = (changelog: string) =>
      checkSchemaChanges({ released, current, changelog, today: '2026-12-08' });
    expect(await check(releasedChangelog)).toEqual([
      "Field 'topic' was added to object type 'Team': CHANGELOG.md's Unreleased section does not list `Team.topic`",
    ]);
    expect(
      await check(
        releasedChangelog.replace('## Unreleased\n', '## Unreleased\n\n- `Team.topic`: added.\n'),
      ),
    ).toEqual([]);
  });

  it('lists what comes inside a new type or field with it', async () => {
    const current = `${withoutMembers.replace('name: String', 'name: String\n page(first: Int): Page')}
      type Page { size: Int }
      extend type Team { members: [String] @deprecated(reason: "Use memberConnection. Removal on 2027-03-08.") }`;
    const changelog = releasedChangelog.replace(
      '## Unreleased\n',
      '## Unreleased\n\n- `Team.page`: added.\n- `Page`: added.\n',
    );
    expect(await checkSchemaChanges({ released, current, changelog, today: '2026-12-08' })).toEqual(
      [],
    );
  });

  it('refuses a deprecation without a removal date or with one under 90 days away', async () => {
    const check = (reason: string) =>
      checkSchemaChanges({
        released: withoutMembers,
        current: `type Query { team: Team } type Team { name: String @deprecated(reason: "${reason}") }`,
        changelog: `## Unreleased\n\n- \`Team.name\`: deprecated on 2026-12-07.\n`,
        today: '2026-12-08',
      });
    expect(await check('Use title.')).toEqual([
      'Team.name: its @deprecated reason names no "Removal on YYYY-MM-DD."',
    ]);
    expect(await check('Use title. Removal on 2027-03-06.')).toEqual([
      'Team.name: removal on 2027-03-06 is 89 days after its deprecation on 2026-12-07; at least 90 are needed',
    ]);
    expect(await check('Use title. Removal on 2027-03-07.')).toEqual([]);
  });

  it('refuses a deprecation CHANGELOG.md gives no date for', async () => {
    const problems = await checkSchemaChanges({
      released: withoutMembers,
      current: `type Query { team: Team } type Team { name: String @deprecated(reason: "Removal on 2028-01-01.") }`,
      changelog: `## Unreleased\n\n- \`Team.name\`: deprecated.\n`,
      today: '2026-12-08',
    });
    expect(problems).toEqual([
      'Team.name: CHANGELOG.md gives no "deprecated on YYYY-MM-DD" for it',
    ]);
  });

  it('lets a type go once every field that led to it could go', async () => {
    const releasedWithType = `
      type Query { team: Team }
      type Team { name: String old: Old @deprecated(reason: "Removal on 2027-03-08.") }
      type Old { x: Int }`;
    const changelog = `## Unreleased\n\n- \`Team.old\`: removed.\n- \`Old\`: removed.\n\n## 0.2.0 (2026-12-07)\n\n- \`Team.old\`: deprecated on 2026-12-07.\n`;
    const check = (today: string) =>
      checkSchemaChanges({ released: releasedWithType, current: withoutMembers, changelog, today });
    expect(await check('2027-03-08')).toEqual([]);
    expect(await check('2027-03-01')).toContain(
      "breaking: Type 'Old' was removed: Team.old is due for removal on 2027-03-08, not before",
    );
  });
});

describe('dates of deprecations', () => {
  const schema = `type Query { name: String @deprecated(reason: "Removal on 2028-01-01.") }`;
  const check = (changelog: string) =>
    checkSchemaChanges({ released: schema, current: schema, changelog, today: '2026-12-08' });

  it('refuses a deprecation dated before the release below its section', async () => {
    expect(
      await check(
        `## Unreleased\n\n- \`Query.name\`: deprecated on 2026-11-01.\n\n## 0.2.0 (2026-12-01)\n`,
      ),
    ).toEqual([
      'Query.name: deprecated on 2026-11-01, outside its section (2026-12-01 to 2026-12-08)',
    ]);
  });

  it('refuses an unreleased deprecation dated after today', async () => {
    expect(await check(`## Unreleased\n\n- \`Query.name\`: deprecated on 2026-12-09.\n`)).toEqual([
      'Query.name: deprecated on 2026-12-09, outside its section (the start to 2026-12-08)',
    ]);
  });
});

describe('a release of the schema', () => {
  const changelog = `# Changelog\n\nIntro.\n\n## Unreleased\n\n- \`Query.a\`: added.\n\n## 0.1.0 (2026-01-02)\n`;

  it('turns the Unreleased section into the version, dated, under a new empty one', () => {
    const stamped = stampRelease(changelog, '0.2.0', '2026-12-08');
    expect(stamped).toBe(
      `# Changelog\n\nIntro.\n\n## Unreleased\n\n## 0.2.0 (2026-12-08)\n\n- \`Query.a\`: added.\n\n## 0.1.0 (2026-01-02)\n`,
    );
    expect(
      parseChangelog(stamped).map(({ version, entries }) => [version, entries.length]),
    ).toEqual([
      [null, 0],
      ['0.2.0', 1],
      ['0.1.0', 0],
    ]);
  });

  it('refuses a version the changelog already has', () => {
    expect(() => stampRelease(changelog, '0.1.0', '2026-12-08')).toThrow(
      'CHANGELOG.md already has a section for 0.1.0',
    );
  });
});
