import { AccountToken } from './account-token.entity';
import { Activity } from './activity.entity';
import { ActivityCheckpoint } from './activity-checkpoint.entity';
import { CheckpointSigningKey } from './checkpoint-signing-key.entity';
import { Invitation } from './invitation.entity';
import { Item } from './item.entity';
import { Membership } from './membership.entity';
import { RecoveryCode } from './recovery-code.entity';
import { Session } from './session.entity';
import { Team } from './team.entity';
import { User } from './user.entity';

/** Every persisted entity, for the DataSource. */
export const entities = [
  User,
  Session,
  Team,
  Membership,
  Invitation,
  Item,
  Activity,
  AccountToken,
  RecoveryCode,
  ActivityCheckpoint,
  CheckpointSigningKey,
];
