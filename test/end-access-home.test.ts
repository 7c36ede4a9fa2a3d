import path from 'node:path';
import { readLayeredSources } from './support/import-direction';

const HOME = 'src/access/end-access.ts';

/**
 * Access ends in one module (docs/development.md, "Who has access, and where it ends"): only
 * it revokes sessions, cleans up a member's invitations, and cuts live feeds off. A command
 * that did one of these itself could end access and forget the rest.
 */
describe('ending access has one home', () => {
  const sources = readLayeredSources(path.join(__dirname, '..'));

  /** Files other than the home (and the definitions themselves) that match `pattern`. */
  const elsewhere = (pattern: RegExp, ...definedIn: string[]) =>
    [...sources]
      .filter(([file, text]) => file !== HOME && !definedIn.includes(file) && pattern.test(text))
      .map(([file]) => file);

  it('finds the sources and the home', () => {
    expect(sources.size).toBeGreaterThan(200);
    expect(sources.has(HOME)).toBe(true);
  });

  it('only the home queues the live-feed cut-off and the session revocation', () => {
    expect(
      elsewhere(/kind:\s*'(access-revoked|sessions-revoked)'/, 'src/events/domain-events.ts'),
    ).toEqual([]);
  });

  it('only the home revokes sessions', () => {
    expect(elsewhere(/UPDATE\s+sessions\s+SET\s+revoked_at/i)).toEqual([]);
  });

  it('only the home calls the invitation clean-up', () => {
    expect(
      elsewhere(
        /revokeInvitationsBeyondRole\(/,
        'src/invitations/revoke-invitations-beyond-role.ts',
      ),
    ).toEqual([]);
  });
});
