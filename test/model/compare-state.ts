import { hashToken } from '../../src/auth/token';
import { currentSecretKeys } from '../../src/db/sealed-secrets';
import type { Model } from './promises';
import type { World } from './world';

/**
 * The server's pending setup secret in the clear, read with the keys of the instance running in
 * this process; null where there is none (server processes only), so it is not compared.
 */
function opened(sealed: string): string | null {
  try {
    return currentSecretKeys().open(sealed);
  } catch {
    return null;
  }
}

/** "a deleted user": what an erased account is called wherever it still appears. */
const ERASED_NAME = 'a deleted user';

/**
 * Compares the server's stored state with the model, read-only, and lists every difference:
 * teams (name, seq, requirement, exact memberships), exactly one owner everywhere, accounts
 * (address, verified, factors, unused recovery codes, live sessions), invitations, items, and
 * that an erased account owns, joins and names nothing. Empty when they agree.
 */
export async function compareState(world: World, model: Model): Promise<string[]> {
  const differences: string[] = [];
  const differ = (what: string, server: unknown, expected: unknown) => {
    if (JSON.stringify(server) !== JSON.stringify(expected))
      differences.push(
        `${what}: server ${JSON.stringify(server)}, model ${JSON.stringify(expected)}`,
      );
  };

  const teamIds = model.teams.map((t) => t.id);
  const accountIds = model.accounts.map((a) => a.id);
  const [ownerless, teams, memberships, rows, users, invitations, items, links, setups] =
    await Promise.all([
      world.sql<{ id: string; owners: number }>(
        `SELECT t.id, count(m.user_id) FILTER (WHERE m.role = 'OWNER')::int AS owners
       FROM teams t LEFT JOIN memberships m ON m.team_id = t.id
      GROUP BY t.id HAVING count(m.user_id) FILTER (WHERE m.role = 'OWNER') <> 1`,
      ),
      world.sql<{ id: string; name: string; seq: number; required: boolean }>(
        `SELECT id, name, last_seq AS seq, two_factor_required AS required FROM teams WHERE id = ANY($1)`,
        [teamIds],
      ),
      world.sql<{ team_id: string; user_id: string; role: string }>(
        `SELECT team_id, user_id, role FROM memberships WHERE team_id = ANY($1)`,
        [teamIds],
      ),
      world.sql<{ team_id: string; actions: string[] }>(
        `SELECT team_id, array_agg(action::text ORDER BY seq) AS actions FROM activities
        WHERE team_id = ANY($1) GROUP BY team_id`,
        [teamIds],
      ),
      world.sql<{
        id: string;
        email: string;
        display_name: string;
        verified: boolean;
        two_factor: boolean;
        deleted: boolean;
        codes: number;
        sessions: string[] | null;
      }>(
        `SELECT u.id, u.email, u.display_name, u.email_verified_at IS NOT NULL AS verified,
              u.two_factor_enabled_at IS NOT NULL AS two_factor, u.deleted_at IS NOT NULL AS deleted,
              (SELECT count(*)::int FROM recovery_codes r WHERE r.user_id = u.id AND r.used_at IS NULL) AS codes,
              (SELECT array_agg(s.id::text ORDER BY s.id) FROM sessions s
                WHERE s.user_id = u.id AND s.revoked_at IS NULL AND s.expires_at > now()) AS sessions
         FROM users u WHERE u.id = ANY($1)`,
        [accountIds],
      ),
      world.sql<{ id: string; status: string }>(
        `SELECT id, status FROM invitations WHERE id = ANY($1)`,
        [model.invitations.map((i) => i.id)],
      ),
      world.sql<{ id: string; version: number }>(
        `SELECT id, version FROM items WHERE id = ANY($1)`,
        [model.items.map((i) => i.id)],
      ),
      world.sql<{ token_hash: string }>(
        `SELECT token_hash FROM account_tokens
        WHERE user_id = ANY($1) AND purpose IN ('PASSWORD_RESET', 'EMAIL_VERIFICATION')
          AND used_at IS NULL AND expires_at > now()`,
        [accountIds],
      ),
      world.sql<{ id: string; pending: string | null }>(
        `SELECT id, two_factor_pending_secret AS pending FROM users WHERE id = ANY($1)`,
        [accountIds],
      ),
    ]);
  for (const team of ownerless) differences.push(`team ${team.id} has ${team.owners} owners`);

  for (const team of model.teams) {
    const row = teams.find((t) => t.id === team.id);
    if (team.deleted) {
      if (row) differences.push(`team ${team.id} should be deleted`);
      continue;
    }
    if (!row) {
      differences.push(`team ${team.id} is missing`);
      continue;
    }
    differ(
      `team ${team.id}`,
      [row.name, row.seq, row.required],
      [team.name, team.seq, team.twoFactorRequired],
    );
    const members = Object.fromEntries(
      memberships
        .filter((m) => m.team_id === team.id)
        .sort((a, b) => a.user_id.localeCompare(b.user_id))
        .map((m) => [m.user_id, m.role]),
    );
    const expected = Object.fromEntries(
      Object.entries(team.members).sort(([a], [b]) => a.localeCompare(b)),
    );
    differ(`members of ${team.id}`, members, expected);
  }

  for (const team of model.teams.filter((t) => !t.deleted))
    differ(
      `activity of ${team.id}`,
      rows.find((r) => r.team_id === team.id)?.actions ?? [],
      team.actions,
    );

  for (const account of model.accounts) {
    const row = users.find((u) => u.id === account.id);
    if (!row) {
      differences.push(`account ${account.id} is missing`);
      continue;
    }
    const sessions = account.sessions
      .filter((s) => s.live)
      .map((s) => s.id)
      .sort();
    differ(
      `account ${account.id} (deleted, verified, two-factor, codes, sessions)`,
      [row.deleted, row.verified, row.two_factor, row.codes, row.sessions ?? []],
      [
        account.deleted,
        account.verified,
        account.twoFactor,
        account.recoveryCodes.length,
        sessions,
      ],
    );
    // Of two links of a kind issued at once only the one issued last works, and their e-mails
    // may arrive in either order: the link the model holds live must be the one the server does.
    const liveLinks = new Set(links.map((l) => l.token_hash));
    for (const link of [...account.resetLinks, ...account.verifyLinks])
      if (link.live && !account.deleted && !liveLinks.has(hashToken(link.token)))
        differences.push(`a link of ${account.id} the model holds live no longer works`);
    // Of two setups begun at once only the one committed last is pending: it must be the
    // model's (the codes it forms come from that secret).
    const sealed = setups.find((u) => u.id === account.id)?.pending ?? null;
    const pending = account.pendingSecret && sealed ? opened(sealed) : null;
    if (pending !== null && pending !== account.pendingSecret)
      differences.push(`the pending two-factor setup of ${account.id} is not the model's`);
    if (!account.deleted) {
      differ(`address of ${account.id}`, row.email, account.email);
      continue;
    }
    if (!row.email.endsWith('.invalid') || row.display_name !== ERASED_NAME)
      differences.push(
        `erased account ${account.id} still named ${row.display_name} <${row.email}>`,
      );
    const [held] = await world.sql<{ memberships: number; invitations: number; named: number }>(
      `SELECT (SELECT count(*)::int FROM memberships WHERE user_id = $1) AS memberships,
              (SELECT count(*)::int FROM invitations WHERE invited_by_id = $1 AND status = 'PENDING') AS invitations,
              (SELECT count(*)::int FROM activities a, unnest($2::text[]) AS n(name)
                WHERE a.summary LIKE '%' || n.name || '%') AS named`,
      [account.id, [account.displayName, ...account.formerNames]],
    );
    differ(`what erased account ${account.id} holds (memberships, invitations, named rows)`, held, {
      memberships: 0,
      invitations: 0,
      named: 0,
    });
  }

  for (const invitation of model.invitations) {
    const row = invitations.find((i) => i.id === invitation.id);
    const gone = model.teams.find((t) => t.id === invitation.teamId)?.deleted;
    differ(`invitation ${invitation.id}`, row?.status ?? null, gone ? null : invitation.status);
  }

  for (const item of model.items) {
    const row = items.find((i) => i.id === item.id);
    differ(`item ${item.id}`, row?.version ?? null, item.deleted ? null : item.version);
  }
  return differences;
}
