import DataLoader from 'dataloader';
import type { MaybeRole } from '../teams/team-policy';

/**
 * The viewer's role per team for one request (or one live event), which also answers
 * synchronously once a role is known: a team page has some 80 fields whose rules ask the same
 * question, and an answer without a promise each keeps that cheap. What it knows is exactly
 * what its loads and primes returned, so it is as fresh as the loader (a new one after every
 * mutation and for every live event).
 */
export class RoleLoader extends DataLoader<string, MaybeRole> {
  private readonly known = new Map<string, MaybeRole>();

  constructor(batch: DataLoader.BatchLoadFn<string, MaybeRole>) {
    super(batch);
  }

  override load(teamId: string): Promise<MaybeRole> {
    return super.load(teamId).then((role) => {
      this.known.set(teamId, role);
      return role;
    });
  }

  override prime(teamId: string, role: MaybeRole | PromiseLike<MaybeRole> | Error): this {
    if (!(role instanceof Error) && !isPromiseLike(role)) this.known.set(teamId, role);
    return super.prime(teamId, role);
  }

  /** The role if this loader has answered it already; undefined when it has not. */
  answered(teamId: string): MaybeRole | undefined {
    return this.known.get(teamId);
  }
}

const isPromiseLike = (value: unknown): value is PromiseLike<unknown> =>
  typeof (value as { then?: unknown } | null)?.then === 'function';
