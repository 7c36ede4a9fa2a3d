import type { DataSource } from 'typeorm';
import { Membership } from '../../entities/membership.entity';

/** A user's own memberships (the `teams` of `me`), oldest first. */
export class UserMemberships {
  constructor(private readonly dataSource: DataSource) {}

  of(userId: string): Promise<Membership[]> {
    return this.dataSource
      .getRepository(Membership)
      .find({ where: { userId }, order: { joinedAt: 'ASC' } });
  }
}
