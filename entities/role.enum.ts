import { registerEnumType } from 'type-graphql';

export enum Role {
  OWNER = 'OWNER',
  ADMIN = 'ADMIN',
  MEMBER = 'MEMBER',
}

registerEnumType(Role, {
  name: 'Role',
  description: 'A member role: exactly one OWNER per team, any number of ADMINs and MEMBERs.',
});
