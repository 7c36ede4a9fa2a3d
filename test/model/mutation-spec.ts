import fc from 'fast-check';
import type { Account, Model, Session } from './promises';
import { accountById } from './promises';

/** Indices a generated command picks with; each mutation reads the ones it needs, modulo. */
export interface Picks {
  actor: number;
  other: number;
  team: number;
  item: number;
  invitation: number;
  choice: number;
  /** Which server instance gets the request (when there are two). */
  instance: number;
}

export const picksArbitrary: fc.Arbitrary<Picks> = fc.record({
  actor: fc.nat(11),
  other: fc.nat(11),
  team: fc.nat(11),
  item: fc.nat(11),
  invitation: fc.nat(11),
  choice: fc.nat(11),
  instance: fc.nat(1),
});

/** Picks for a hand-written command: zeros but for those given. */
export const at = (picks: Partial<Picks>): Picks => ({
  actor: 0,
  other: 0,
  team: 0,
  item: 0,
  invitation: 0,
  choice: 0,
  instance: 0,
  ...picks,
});

export interface Request {
  query: string;
  variables: Record<string, unknown>;
  token: string | null;
}

/** What the server answered, plus what a success left in the inbox or the sessions table. */
export interface Served {
  /** The mutation field's value. */
  value: unknown;
  /** The tokens of the e-mailed links the outcome announced, in its order. */
  linkTokens: string[];
  /** The id of the session whose token the answer carried. */
  sessionId?: string;
}

/** An e-mailed link a success sends: to whom, under which subject. */
export interface MailedLink {
  to: string;
  subject: string;
}

/** One way a request may end, and what it does to the model. */
export type Outcome =
  | {
      ok: true;
      links?: MailedLink[];
      /** The answer carries a new session's token (`token` field). */
      session?: boolean;
      apply(model: Model, served: Served): void;
    }
  | { ok: false; codes: readonly string[] };

/** A mutation's concrete request, fixed before it is sent, and its own details. */
export interface Intent {
  request: Request | (() => Promise<Request>);
}

/**
 * One row of the mutation table: how to form a request from the model and generated picks
 * (null when the model has nothing to form it from), and the outcomes the contract allows
 * for it from a given model state — usually exactly one.
 */
export interface MutationSpec<I extends Intent = Intent> {
  plan(model: Model, picks: Picks): I | null;
  expect(model: Model, intent: I): Outcome[];
}

export const fail = (...codes: string[]): Outcome[] => [{ ok: false, codes }];

export const succeed = (apply: (model: Model, served: Served) => void): Outcome[] => [
  { ok: true, apply },
];

export const nth = <T>(list: readonly T[], index: number): T | undefined =>
  list.length ? list[index % list.length] : undefined;

/** The acting account and the token it sends: its newest live session, else its newest. */
export interface Actor {
  accountId: string;
  token: string | null;
}

export function pickActor(model: Model, picks: Picks): Actor | null {
  const account = nth(model.accounts, picks.actor);
  if (!account) return null;
  const session: Session | undefined =
    [...account.sessions].reverse().find((s) => s.live) ?? account.sessions.at(-1);
  return { accountId: account.id, token: session?.token ?? null };
}

/** The actor's account when the token is a live session of it; undefined otherwise. */
export function signedIn(model: Model, actor: Actor): Account | undefined {
  const account = accountById(model, actor.accountId);
  if (!account || account.deleted) return undefined;
  return account.sessions.some((s) => s.live && s.token === actor.token) ? account : undefined;
}

/** Writes a mutation type-safely into the table (the table holds specs of many intents). */
export const mutation = <I extends Intent>(spec: MutationSpec<I>): MutationSpec =>
  spec as unknown as MutationSpec;
