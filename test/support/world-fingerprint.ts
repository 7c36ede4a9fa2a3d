import type { World } from './authz-matrix';

/**
 * A fingerprint of every row that belongs to a matrix world — its team and whatever hangs off
 * it, its users and whatever hangs off them — so a change to any of them changes it, while rows
 * of other worlds do not. Sessions by id and revocation only: any authenticated call moves
 * last_used_at.
 */
export async function worldFingerprint(world: World): Promise<string> {
  const ids = [...Object.values(world.users), world.target].map((u) => u.id);
  const emails = [...Object.values(world.users), world.target].map((u) => u.email);
  const scopes: [table: string, row: string, belongs: string][] = [
    ['users', 't::text', 't.id = ANY(w.ids)'],
    ['sessions', `id::text || coalesce(revoked_at::text, '')`, 'user_id = ANY(w.ids)'],
    ['teams', 't::text', 't.id = w.team'],
    ['memberships', 't::text', 'team_id = w.team OR user_id = ANY(w.ids)'],
    [
      'invitations',
      't::text',
      'team_id = w.team OR invited_by_id = ANY(w.ids) OR email = ANY(w.emails)',
    ],
    ['items', 't::text', 'team_id = w.team'],
    ['activities', 't::text', 'team_id = w.team OR actor_id = ANY(w.ids)'],
    ['activity_checkpoints', 't::text', 'team_id = w.team'],
    ['checkpoint_witnesses', 't::text', 'team_id = w.team OR user_id = ANY(w.ids)'],
    ['account_tokens', 't::text', 'user_id = ANY(w.ids) OR email = ANY(w.emails)'],
    ['recovery_codes', 't::text', 'user_id = ANY(w.ids)'],
  ];
  const parts: string[] = [];
  for (const [table, row, belongs] of scopes) {
    const [{ h }] = await world.app.sql<{ h: string | null }>(
      `WITH w AS (SELECT $1::uuid AS team, $2::uuid[] AS ids, $3::text[] AS emails)
       SELECT md5(string_agg(${row}, '|' ORDER BY ${row})) AS h FROM ${table} t, w WHERE ${belongs}`,
      [world.team.id, ids, emails],
    );
    parts.push(`${table}:${h ?? 'empty'}`);
  }
  return parts.join(';');
}
