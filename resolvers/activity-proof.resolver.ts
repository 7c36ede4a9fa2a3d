import { Arg, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import { ActivityCheckpoint } from '../entities/activity-checkpoint.entity';
import { Activity } from '../entities/activity.entity';
import { CheckpointSigningKey } from '../entities/checkpoint-signing-key.entity';
import type { DeliveredActivity } from '../src/live/owed-row';
import { activityLeafHash } from '../src/db/activity-hash';
import type { Context } from './context';
import { requireViewer } from './viewer';

/** The service these resolvers call. */
type Uses = 'activityProofs';

/** The team log's Merkle tree: checkpoints, proofs, keys and witnesses (thin over ActivityProofs). */
@Resolver(() => ActivityCheckpoint)
export class ActivityProofResolver {
  @Query(() => [CheckpointSigningKey], {
    description: 'Public: every key that signs or signed checkpoints, with its validity.',
  })
  signingKeys(@Ctx() ctx: Context<Uses>): Promise<CheckpointSigningKey[]> {
    return ctx.services.activityProofs.signingKeys();
  }

  @Query(() => ActivityCheckpoint, {
    description: "Members: the newest signed checkpoint of the team's log (signed now if behind).",
  })
  activityCheckpoint(
    @Arg('teamId', () => ID) teamId: string,
    @Ctx() ctx: Context<Uses>,
  ): Promise<ActivityCheckpoint> {
    return ctx.services.activityProofs.newest(teamId.toLowerCase());
  }

  @Query(() => [String], {
    description:
      'Members: RFC 9162 inclusion proof (base64 hashes) of the row `seq` in the tree of `treeSize` rows.',
  })
  activityInclusionProof(
    @Arg('teamId', () => ID) teamId: string,
    @Arg('seq', () => Int) seq: number,
    @Arg('treeSize', () => Int) treeSize: number,
    @Ctx() ctx: Context<Uses>,
  ): Promise<string[]> {
    return ctx.services.activityProofs.inclusionProof(teamId.toLowerCase(), seq, treeSize);
  }

  @Query(() => [String], {
    description:
      'Members: RFC 9162 consistency proof (base64 hashes) that the tree of `fromSize` rows is a prefix of the one of `toSize`.',
  })
  activityConsistencyProof(
    @Arg('teamId', () => ID) teamId: string,
    @Arg('fromSize', () => Int) fromSize: number,
    @Arg('toSize', () => Int) toSize: number,
    @Ctx() ctx: Context<Uses>,
  ): Promise<string[]> {
    return ctx.services.activityProofs.consistencyProof(teamId.toLowerCase(), fromSize, toSize);
  }

  @Mutation(() => ActivityCheckpoint, {
    description:
      "Members: report a checkpoint your client verified. CONFLICT (extensions signed, reported) when it disagrees with the server's.",
  })
  witnessCheckpoint(
    @Arg('teamId', () => ID) teamId: string,
    @Arg('treeSize', () => Int) treeSize: number,
    @Arg('rootHash') rootHash: string,
    @Ctx() ctx: Context<Uses>,
  ): Promise<ActivityCheckpoint> {
    const { user } = requireViewer(ctx);
    return ctx.services.activityProofs.witness(user, teamId.toLowerCase(), treeSize, rootHash);
  }

  @FieldResolver(() => Int, { description: 'The distinct members who reported this checkpoint.' })
  witnesses(@Root() checkpoint: ActivityCheckpoint, @Ctx() ctx: Context<Uses>): Promise<number> {
    return ctx.services.activityProofs.witnesses(checkpoint);
  }
}

/** An activity's place in the tree. */
@Resolver(() => Activity)
export class ActivityLeafResolver {
  @FieldResolver(() => String, {
    description:
      "The row's RFC 9162 leaf hash, base64: SHA-256(0x00 ‖ UTF-8 of its canonical form).",
  })
  leafHash(@Root() activity: Activity): string {
    return activityLeafHash(activity).toString('base64');
  }

  @FieldResolver(() => ActivityCheckpoint, {
    nullable: true,
    description:
      'On a live teamActivity result: the checkpoint its write signed (at least every 100 rows or 10 s); null otherwise.',
  })
  checkpoint(@Root() activity: DeliveredActivity): ActivityCheckpoint | null {
    return activity.checkpoint ?? null;
  }
}
