import { registerEnumType } from 'type-graphql';

/**
 * What an activity is about. The values are the stored text and part of what the hash chain
 * seals, so they keep their spelling (`Team`, not `TEAM`): renaming one breaks every old row.
 */
export enum ActivitySubjectType {
  Team = 'Team',
  User = 'User',
  Item = 'Item',
  Invitation = 'Invitation',
}

registerEnumType(ActivitySubjectType, {
  name: 'ActivitySubjectType',
  description: 'What kind of thing `subjectId` names.',
});
