import { GraphQLJSONObject } from 'graphql-scalars';
import { Field, ID, ObjectType, registerEnumType } from 'type-graphql';
import { AccountEventType } from '../../src/events/account-event-type';

/** What each account event means; docs/live-feeds.md's list is checked against these. */
const DESCRIPTIONS: Record<AccountEventType, string> = {
  NEW_SIGN_IN: 'A new session signed in (`details.userAgent`).',
  SESSION_REVOKED: 'One of my sessions was ended (`details.sessionId`).',
  OTHER_SESSIONS_REVOKED: 'Every session but the one that asked was ended (`details.count`).',
  PASSWORD_CHANGED:
    'My password was changed (`details.reset`: through a reset link); every other session was ended.',
  IDENTITY_CONFIRMED:
    'A session proved its owner again (confirmIdentity), for recent authentication.',
  PROFILE_UPDATED: 'My profile was changed (`details` holds the new values).',
  EMAIL_CHANGE_REQUESTED: 'A link to confirm a new e-mail address was sent to that address.',
  EMAIL_CHANGED: 'A new e-mail address was confirmed; every other session was ended.',
  EMAIL_CHANGE_REVERTED:
    'The old address cancelled or undid an e-mail change (its link); every session was ended.',
  EMAIL_VERIFIED: 'My e-mail address was verified.',
  TWO_FACTOR_ENABLED: 'Two-factor sign-in was turned on.',
  TWO_FACTOR_DISABLED:
    "Two-factor sign-in was turned off (`details.undone`: by the link of its enrolment's notice).",
  RECOVERY_CODES_REGENERATED: 'New recovery codes replaced the old ones.',
  READ_STATE_CHANGED: 'My read position in a team moved (`details.teamId`, `details.lastReadSeq`).',
};

registerEnumType(AccountEventType, {
  name: 'AccountEventType',
  description: 'What happened to my own account.',
  valuesConfig: Object.fromEntries(
    Object.entries(DESCRIPTIONS).map(([value, description]) => [value, { description }]),
  ),
});

/** The GraphQL `AccountEvent` (the event as it travels is src/events/domain-events.ts). */
@ObjectType('AccountEvent', {
  description: 'Something that happened to my own account, pushed to all of my sessions.',
})
export class AccountEventObject {
  @Field(() => AccountEventType)
  type: AccountEventType;

  @Field(() => ID, {
    nullable: true,
    description: 'The session that caused it, so a client can tell "this device" from others.',
  })
  sessionId: string | null;

  @Field(() => GraphQLJSONObject)
  details: Record<string, unknown>;

  @Field()
  createdAt: Date;
}
