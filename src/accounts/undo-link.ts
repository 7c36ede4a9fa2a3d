import type { AccountToken, AccountTokenPurpose } from '../../entities/account-token.entity';
import { User } from '../../entities/user.entity';
import type { PendingEvents, Transaction } from '../db/transaction';
import type { AccountEventType } from '../events/account-event-type';
import type { DomainEvent } from '../events/domain-events';
import { accountEvent } from './account-event';
import { endAccountSecrets } from './account-security';
import { consumeAccountToken, linkNotValid } from './account-tokens';

/** Links that a security notice carries to undo what it announces. */
export type UndoLinkPurpose =
  AccountTokenPurpose.EMAIL_REVERT | AccountTokenPurpose.TWO_FACTOR_REVERT;

/** What an undo did, pushed to the account as its event. */
export interface Undone {
  type: AccountEventType;
  details?: Record<string, unknown>;
}

/**
 * Spends a link from a security notice (an e-mail change, a two-factor enrolment) that undoes
 * what the notice announced: anyone holding it, once, before it expires. The account's row is
 * locked first (consumeAccountToken, the domain's lock order), `undo` puts the account back,
 * then every session, pending link and unconfirmed two-factor setup ends (endAccountSecrets),
 * so whoever made the change holds nothing of it, and the account event is queued. A link that
 * does not work, or whose account was deleted since, is BAD_USER_INPUT on `token` and changes
 * nothing; so is one that `undo` finds dead (by throwing `linkNotValid()`). Returns the account
 * as it was before the undo.
 */
export async function undoByLink(
  tx: Transaction,
  pending: PendingEvents<DomainEvent>,
  purpose: UndoLinkPurpose,
  token: string,
  undo: (user: User, link: AccountToken) => Promise<Undone>,
): Promise<User> {
  const link = await consumeAccountToken(tx, purpose, token);
  if (!link) throw linkNotValid();
  const user = await tx.getRepository(User).findOneBy({ id: link.userId });
  if (!user || user.deletedAt) throw linkNotValid();
  const undone = await undo(user, link);
  await endAccountSecrets(tx, pending, user.id, null);
  accountEvent(pending, user.id, null, undone.type, undone.details);
  return user;
}
