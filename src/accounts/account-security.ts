import { In } from 'typeorm';
import { AccountToken, AccountTokenPurpose } from '../../entities/account-token.entity';
import { User } from '../../entities/user.entity';
import { endSessions } from '../access/end-access';
import type { PendingEvents, Transaction } from '../db/transaction';
import type { DomainEvent } from '../events/domain-events';
import { lockAccountRow } from './lock-account';

/** Links that act on the account as it is now, and die when how one signs in changes. */
const LINKS_ENDED = [AccountTokenPurpose.PASSWORD_RESET, AccountTokenPurpose.EMAIL_CHANGE];

/**
 * The one authority over what a change of the account's credentials ends (API.md: a
 * password change or reset, a confirmed or reverted e-mail change): every session but
 * `keepSessionId`, every pending reset link and e-mail change, and any two-factor setup not
 * yet confirmed. Whoever had a stolen session, a link or a half-enrolled authenticator
 * before the change holds nothing after it. Runs in the change's own transaction, under the
 * user's row lock, so a link spent at the same moment either commits before and is undone by
 * the change's own effects, or finds itself gone.
 *
 * Revert links (to an earlier address) and e-mail verification links stay: neither grants
 * more than the inbox it went to already proves.
 */
export async function endAccountSecrets(
  tx: Transaction,
  pending: PendingEvents<DomainEvent>,
  userId: string,
  keepSessionId: string | null,
): Promise<void> {
  await lockAccountRow(tx, userId);
  await endSessions(tx, pending, userId, { allExcept: keepSessionId });
  await tx.delete(AccountToken, { userId, purpose: In(LINKS_ENDED) });
  await tx.update(User, { id: userId }, { twoFactorPendingSecret: null });
}
