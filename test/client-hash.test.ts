import fc from 'fast-check';
import { activityHash, ActivityChain, type ChainedActivity } from '../client/src';
import { computeActivityHash, type HashedActivityFields } from '../src/db/activity-hash';

/**
 * The kit's WebCrypto hash and the server's node:crypto hash agree on every row: the canonical
 * form the README documents is the one both sides compute.
 */
const row = fc.record({
  teamId: fc.uuid(),
  seq: fc.integer({ min: 1, max: 1_000_000 }),
  actorId: fc.option(fc.uuid(), { nil: null }),
  action: fc.constantFrom('ITEM_CREATED', 'ITEM_UPDATED', 'MEMBER_JOINED'),
  subjectType: fc.constantFrom('item', 'user', 'team'),
  subjectId: fc.uuid(),
  summary: fc.string({ unit: 'grapheme', maxLength: 40 }),
  details: fc.dictionary(
    fc.string({ maxLength: 8 }),
    fc.jsonValue({ maxDepth: 2 }),
  ) as fc.Arbitrary<Record<string, unknown>>,
  createdAt: fc.date({
    min: new Date('2000-01-01'),
    max: new Date('2100-01-01'),
    noInvalidDate: true,
  }),
});

const asApi = (r: HashedActivityFields, hash: string): ChainedActivity => ({
  seq: r.seq,
  action: r.action,
  subjectType: r.subjectType,
  subjectId: r.subjectId,
  summary: r.summary,
  // What the API returns is the JSON round trip of what the server hashed.
  details: JSON.parse(JSON.stringify(r.details)) as Record<string, unknown>,
  createdAt: r.createdAt.toISOString(),
  hash,
  team: { id: r.teamId },
  actor: r.actorId ? { id: r.actorId } : null,
});

describe('activity hash in the client kit', () => {
  it('matches the server for any row and previous hash', async () => {
    await fc.assert(
      fc.asyncProperty(
        row,
        fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), maxLength: 64 }),
        async (r, previous) => {
          const server = computeActivityHash(previous, r);
          expect(await activityHash(previous, asApi(r, server))).toBe(server);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('verifies from seq 1, anchors mid-log, drops duplicates and names gaps', async () => {
    const teamId = '2f1c3a4e-8f5e-4a36-9d0b-0b6f0a3c1d11';
    const rows: ChainedActivity[] = [];
    let previous = '';
    for (let seq = 1; seq <= 5; seq += 1) {
      const fields = {
        teamId,
        seq,
        actorId: null,
        action: 'ITEM_CREATED',
        subjectType: 'item',
        subjectId: teamId,
        summary: `row ${seq}`,
        details: { n: seq },
        createdAt: new Date(1_700_000_000_000 + seq),
      };
      previous = computeActivityHash(previous, fields);
      rows.push(asApi(fields, previous));
    }
    const fromStart = new ActivityChain();
    for (const r of rows) expect(await fromStart.accept(r)).toEqual({ kind: 'next' });
    expect(await fromStart.accept(rows[2])).toEqual({ kind: 'duplicate' });

    const midLog = new ActivityChain();
    expect(await midLog.accept(rows[1])).toEqual({ kind: 'next' }); // anchors, unverified
    expect(await midLog.accept({ ...rows[2], summary: 'edited' })).toMatchObject({
      kind: 'tamper',
    });
    expect(await midLog.accept(rows[4])).toEqual({ kind: 'gap', fromSeq: 4, toSeq: 4 });
  });
});
