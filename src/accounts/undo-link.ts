import type { User } from '../../entities/user.entity';
import { allInOrder } from '../db/all-in-order';
import type { PendingEvents, Transaction } from '../db/transaction';
import type { AccountEventType } from '../events/account-event-type';
import type { DomainEvent } from '../events/domain-events';
import { accountEvent } from './account-event';
import { readAccountSecrets } from './account-security';
import { linkNotValid, spendAccountLink, type AccountLink } from './account-tokens';
import { lockAccount } from './lock-account';

/** What an undo did, pushed to the account as its event. */
export interface Undone {
  type: AccountEventType;
  details?: Record<string, unknown>;
}

/** An undo: its own reads, sent with the link's (`read`), then its decision and writes. */
export interface Undo<R> {
  /** Sent when called, after the account's lock: what `apply` decides on. */
  read(tx: Transaction, userId: string): Promise<R>;
  /**
   * Puts the account back with deferred writes; throws `linkNotValid()` (or another refusal)
   * to change nothing.
   */
  apply(user: User, link: AccountLink, read: R): Undone;
}

/**
 * Spends a link from a security notice (an e-mail change, a two-factor enrolment) that undoes
 * what the notice announced: anyone holding it, once, before it expires. `link` was found
 * before the transaction (findAccountLink). In one round trip the account's row is locked and
 * read (the domain's lock order), the link spent, the sessions to end and the undo's own reads
 * read; then `undo.apply` puts the account back, every session, pending link and unconfirmed
 * two-factor setup ends (endAccountSecrets), so whoever made the change holds nothing of it,
 * and the account event is queued, all deferred to COMMIT. A link that does not work, or
 * whose account was deleted since, is BAD_USER_INPUT on `token` and changes nothing; so is one
 * that `apply` finds dead (by throwing `linkNotValid()`). Returns the account as it was
 * before the undo.
 */
export async function undoByLink<R>(
  tx: Transaction,
  pending: PendingEvents<DomainEvent>,
  link: AccountLink | null,
  undo: Undo<R>,
): Promise<User> {
  if (!link) throw linkNotValid();
  const [user, spent, secrets, read] = await allInOrder([
    lockAccount(tx, link.userId),
    spendAccountLink(tx, link),
    readAccountSecrets(tx, link.userId, null),
    undo.read(tx, link.userId),
  ]);
  if (!spent) throw linkNotValid();
  if (!user || user.deletedAt) throw linkNotValid();
  const undone = undo.apply(user, link, read);
  secrets.end(pending);
  accountEvent(pending, user.id, null, undone.type, undone.details);
  return user;
}
