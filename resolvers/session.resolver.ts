import { Ctx, FieldResolver, Resolver, Root } from 'type-graphql';
import { Session } from '../entities/session.entity';
import type { Context } from './context';

@Resolver(() => Session)
export class SessionResolver {
  @FieldResolver(() => Boolean, { description: 'True for the session making this request.' })
  current(@Root() session: Session, @Ctx() ctx: Context<never>): boolean {
    return session.id === ctx.viewer?.session.id;
  }
}
