import { randomBytes } from 'node:crypto';
import type { Page } from 'playwright-core';
import { freePort } from '../bench/lib/ports';
import { CreateItemDocument } from '../client/generated/graphql';
import { signCheckpoint } from '../src/activity/sign-checkpoint';
import { CheckpointSigner } from '../src/db/checkpoint-signer';
import { decodeSigningKey } from '../src/config/checkpoint-config';
import { rootOfFrontier } from '../src/util/rfc9162';
import { addMember, buildTeam, type TestTeam } from './factories/team.factory';
import { buildUser, type TestUser } from './factories/user.factory';
import {
  hasChromium,
  launchSharedBrowser,
  CHROMIUM,
  type BrowserProfile,
  type SharedBrowser,
} from './support/browser';
import { rewriteTeamLog } from './support/log-forgery';
import { screenshotPath } from './support/screenshots';
import { startTestApp, type TestApp } from './support/test-app';
import { buildWebApp } from './support/web-build';

/**
 * The team page's log verification in Debian's Chromium, against the real server under its CSP:
 * "verified up to row N, signed at T, witnessed by K members" as rows arrive, and an alert naming
 * what failed when an operator alters the database behind the server.
 */
if (!hasChromium)
  console.log(
    `web-log-verification.test: no Chromium at ${CHROMIUM}; the browser tests are skipped`,
  );
const describeBrowser = hasChromium ? describe : describe.skip;

describeBrowser('the page verifies the team log', () => {
  let app: TestApp;
  let origin: string;
  let owner: TestUser;
  let browser: SharedBrowser;
  const profiles: BrowserProfile[] = [];

  async function signedIn(user: TestUser): Promise<BrowserProfile> {
    const profile = await browser.profile(origin);
    profiles.push(profile);
    await profile.signIn(user.token);
    return profile;
  }

  async function openTeam(profile: BrowserProfile, team: TestTeam): Promise<Page> {
    const page = await profile.newPage();
    await page.goto(`${origin}/teams/${team.id}`);
    await page.getByTestId('activity-list').locator('li[data-seq]').first().waitFor();
    return page;
  }

  const write = async (team: TestTeam, title: string, token = owner.token) => {
    const result = await app.gql(
      CreateItemDocument.toString(),
      { teamId: team.id, input: { title, content: {} } },
      token,
    );
    expect(result.errors).toBeUndefined();
    const [row] = await app.sql<{ seq: number }>(
      `SELECT last_seq AS seq FROM teams WHERE id = $1`,
      [team.id],
    );
    return row.seq;
  };

  const verifiedText = (page: Page, seq: number) =>
    page
      .getByTestId('log-verified')
      .filter({
        hasText: new RegExp(
          `Verified up to row ${seq}, signed at .*, witnessed by \\d+ members?\\.`,
        ),
      })
      .waitFor();

  /** A page that has verified the team's rows so far. */
  async function verifiedPage(team: TestTeam, rows = 3) {
    const profile = await signedIn(owner);
    const page = await openTeam(profile, team);
    let last = 0;
    for (let i = 0; i < rows; i += 1) last = await write(team, `row ${i}`);
    await verifiedText(page, last);
    return { profile, page, last };
  }

  beforeAll(async () => {
    browser = await launchSharedBrowser();
    const build = await buildWebApp();
    const port = await freePort();
    origin = `http://127.0.0.1:${port}`;
    app = await startTestApp({
      PORT: String(port),
      PUBLIC_URL: origin,
      WEB_DIR: build.dir,
      CHECKPOINT_SIGNING_KEY: randomBytes(32).toString('base64'),
      // Every write signs a checkpoint, so each live row carries one.
      CHECKPOINT_EVERY_ROWS: '1',
    });
    owner = await buildUser(app, { displayName: 'Olivia Owner' });
  }, 120_000);

  afterAll(async () => {
    for (const profile of profiles) await profile.close();
    await browser?.close();
    await app?.stop();
  });

  it('shows how far the log is verified, signed and witnessed, updated live', async () => {
    const team = await buildTeam(app, owner, 'Honest log');
    const { profile, page, last } = await verifiedPage(team);
    expect(await page.getByRole('alert').count()).toBe(0);
    const next = await write(team, 'one more');
    await verifiedText(page, next);
    expect(next).toBe(last + 1);
    await page.screenshot({ path: screenshotPath('web-log-verified.png') });
    expect(profile.problems).toEqual([]);
  });

  it('(1) warns when a row is rewritten, the chain re-hashed and the tree re-signed with a new key', async () => {
    const team = await buildTeam(app, owner, 'Rewritten log');
    const { profile, page, last } = await verifiedPage(team);
    await rewriteTeamLog(app.sql, team.id, {
      edit: (row) => {
        if (row.seq === 2) row.details = { ...row.details, rewritten: true };
      },
    });
    // The forger lists a key of its own and signs the rewritten tree with it.
    const forged = new CheckpointSigner(
      decodeSigningKey(randomBytes(32).toString('base64'))!,
      'forged',
    );
    await app.sql(
      `INSERT INTO checkpoint_signing_keys (key_id, public_key, valid_from) VALUES ($1, $2, now() - interval '1 hour')`,
      [forged.keyId, forged.publicKey.toString('base64')],
    );
    const resigned = signCheckpoint(forged, {
      teamId: team.id,
      treeSize: last,
      // The rewritten tree's root: its right edge, as the forger left it on the team row.
      root: rootOfFrontier(
        (
          await app.sql<{ tree_frontier: (Buffer | null)[] }>(
            `SELECT tree_frontier FROM teams WHERE id = $1`,
            [team.id],
          )
        )[0]!.tree_frontier,
      ),
      timestamp: new Date(),
    });
    await app.sql(
      `INSERT INTO activity_checkpoints (team_id, tree_size, root_hash, signed_at, key_id, signature) VALUES ($1, $2, $3, $4, $5, $6)`,
      [team.id, last, resigned.rootHash, resigned.timestamp, resigned.keyId, resigned.signature],
    );
    await write(team, 'after the rewrite');
    const alert = page.getByTestId('log-alert');
    await alert.waitFor();
    expect(await alert.getAttribute('role')).toBe('alert');
    expect(await alert.textContent()).toContain(`the checkpoint of ${last} rows signed at`);
    expect(await alert.textContent()).toContain('does not extend the tree');
    await page.screenshot({ path: screenshotPath('web-log-fork.png') });
    expect(profile.problems).toEqual([]);
  });

  it('(2) warns both members when the rows change between their reads', async () => {
    const team = await buildTeam(app, owner, 'Two histories');
    const member = await addMember(
      app,
      team,
      'MEMBER',
      await buildUser(app, { displayName: 'Max Member' }),
    );
    const { profile, page, last } = await verifiedPage(team);
    // Altered after the owner's page verified it, the signed checkpoints left as they were.
    await rewriteTeamLog(app.sql, team.id, {
      keepCheckpoints: true,
      edit: (row) => {
        if (row.seq === last) row.action = 'ITEM_DELETED';
      },
    });
    const memberProfile = await signedIn(member);
    const memberPage = await openTeam(memberProfile, team);
    const memberAlert = memberPage.getByTestId('log-alert');
    await memberAlert.waitFor();
    expect(await memberAlert.textContent()).toContain(
      `Row #${last} failed verification against the checkpoint of ${last} rows`,
    );

    await write(team, 'after the change');
    const ownerAlert = page.getByTestId('log-alert');
    await ownerAlert.waitFor();
    expect(await ownerAlert.textContent()).toContain('cannot both be true');
    expect(profile.problems).toEqual([]);
    expect(memberProfile.problems).toEqual([]);
  });

  it('(3) warns when the last rows are dropped and the log goes on', async () => {
    const team = await buildTeam(app, owner, 'Truncated log');
    const { profile, page, last } = await verifiedPage(team, 4);
    await rewriteTeamLog(app.sql, team.id, { keep: last - 2 });
    for (let i = 0; i < 3; i += 1) await write(team, `after the drop ${i}`);
    const alert = page.getByTestId('log-alert');
    await alert.waitFor();
    expect(await alert.textContent()).toContain(`the checkpoint of ${last} rows signed at`);
    expect(await alert.textContent()).toContain(`the one of ${last + 1} rows`);
    expect(profile.problems).toEqual([]);
  });
});
