/**
 * CHANGELOG.md as the schema checks and the release step read it: an `## Unreleased` section,
 * then one `## <version> (<YYYY-MM-DD>)` section per release, newest first. Each schema change
 * is one bullet opening with its path in backticks (`` - `Team.memberConnection`: … ``); a
 * deprecation's bullet says when it was made (`deprecated on 2026-12-07`).
 */
export const UNRELEASED_HEADING = '## Unreleased';

export interface ChangelogEntry {
  /** The schema path the bullet opens with, as GraphQL Inspector names it (`Team.members`). */
  path: string;
  /** The date in `deprecated on YYYY-MM-DD`, when the bullet states one. */
  deprecatedOn: string | null;
}

export interface ChangelogSection {
  /** `null` for the Unreleased section. */
  version: string | null;
  /** The release date; `null` for the Unreleased section. */
  date: string | null;
  entries: ChangelogEntry[];
}

const SECTION = /^## (?:Unreleased|(\S+) \((\d{4}-\d{2}-\d{2})\))\s*$/;
const ENTRY = /^- `([^`]+)`/;
const DEPRECATED_ON = /deprecated on (\d{4}-\d{2}-\d{2})/i;

/** The sections in file order; text before the first section heading is ignored. */
export function parseChangelog(text: string): ChangelogSection[] {
  const sections: ChangelogSection[] = [];
  for (const line of text.split('\n')) {
    const heading = SECTION.exec(line);
    if (heading) {
      sections.push({ version: heading[1] ?? null, date: heading[2] ?? null, entries: [] });
      continue;
    }
    const entry = ENTRY.exec(line);
    const section = sections.at(-1);
    if (entry && section) {
      section.entries.push({ path: entry[1], deprecatedOn: DEPRECATED_ON.exec(line)?.[1] ?? null });
    }
  }
  return sections;
}

/**
 * The changelog with its Unreleased section turned into release `version` of `date`, and a
 * new empty Unreleased section above it.
 */
export function stampRelease(text: string, version: string, date: string): string {
  const lines = text.split('\n');
  const at = lines.indexOf(UNRELEASED_HEADING);
  if (at < 0) throw new Error(`CHANGELOG.md has no "${UNRELEASED_HEADING}" heading`);
  if (parseChangelog(text).some((section) => section.version === version)) {
    throw new Error(`CHANGELOG.md already has a section for ${version}`);
  }
  lines.splice(at, 1, UNRELEASED_HEADING, '', `## ${version} (${date})`);
  return lines.join('\n');
}
