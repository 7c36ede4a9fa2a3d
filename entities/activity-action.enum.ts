import { registerEnumType } from 'type-graphql';
import { ACTIVITY_ACTIONS } from './activity-actions';

export enum ActivityAction {
  TEAM_CREATED = 'TEAM_CREATED',
  TEAM_RENAMED = 'TEAM_RENAMED',
  TEAM_DELETED = 'TEAM_DELETED',
  TEAM_RESTORED = 'TEAM_RESTORED',
  MEMBER_ROLE_CHANGED = 'MEMBER_ROLE_CHANGED',
  MEMBER_REMOVED = 'MEMBER_REMOVED',
  MEMBER_LEFT = 'MEMBER_LEFT',
  OWNERSHIP_TRANSFERRED = 'OWNERSHIP_TRANSFERRED',
  MEMBER_INVITED = 'MEMBER_INVITED',
  INVITATION_RESENT = 'INVITATION_RESENT',
  INVITATION_REVOKED = 'INVITATION_REVOKED',
  MEMBER_JOINED = 'MEMBER_JOINED',
  INVITATION_DECLINED = 'INVITATION_DECLINED',
  ITEM_CREATED = 'ITEM_CREATED',
  ITEM_UPDATED = 'ITEM_UPDATED',
  ITEM_DELETED = 'ITEM_DELETED',
  TWO_FACTOR_REQUIREMENT_CHANGED = 'TWO_FACTOR_REQUIREMENT_CHANGED',
}

registerEnumType(ActivityAction, {
  name: 'ActivityAction',
  description: 'What happened to team data.',
  // Each value's description is its definition's (entities/activity-actions.ts).
  valuesConfig: Object.fromEntries(
    Object.values(ActivityAction).map((action) => [
      action,
      { description: ACTIVITY_ACTIONS[action].description },
    ]),
  ),
});
