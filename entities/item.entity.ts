import { GraphQLJSONObject } from 'graphql-scalars';
import { Field, ID, Int, ObjectType } from 'type-graphql';
import {
  Column,
  CreateDateColumn,
  Entity,
  Index,
  PrimaryGeneratedColumn,
  UpdateDateColumn,
} from 'typeorm';
import { Node } from './node.interface';

@ObjectType({
  implements: Node,
  description: "A piece of the team's data. Versioned for optimistic concurrency.",
})
@Entity({ name: 'items' })
@Index('items_team_created_idx', ['teamId', 'createdAt', 'id'])
export class Item {
  @Field(() => ID)
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'team_id', type: 'uuid' })
  teamId: string;

  @Field()
  @Column({ type: 'text' })
  title: string;

  @Field(() => GraphQLJSONObject)
  @Column({ type: 'jsonb', default: {} })
  content: Record<string, unknown>;

  @Field(() => Int, { description: 'Starts at 1 and grows by one per update.' })
  @Column({ type: 'integer', default: 1 })
  version: number;

  @Column({ name: 'created_by_id', type: 'uuid' })
  createdById: string;

  @Column({ name: 'updated_by_id', type: 'uuid' })
  updatedById: string;

  @Field()
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Field()
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
