import {
  getNamedType,
  isInterfaceType,
  isLeafType,
  isNonNullType,
  isObjectType,
  type GraphQLOutputType,
} from 'graphql';
import { permissionRules } from '../schema/permissions';
import { buildBareSchema } from '../src/server/graphql/build-schema';
import { buildInvitation } from './factories/invitation.factory';
import { addMember, buildTeam, type TestTeam } from './factories/team.factory';
import { buildUser, markEmailVerified, type TestUser } from './factories/user.factory';
import { generateToken, hashToken } from '../src/auth/token';
import { errorCode, startTestApp, type TestApp } from './support/test-app';
import { connectLive, subscribe, type LiveClient } from './support/ws-client';

/**
 * API.md "Profile visibility", on every edge that returns a User. The edges come from walking
 * the schema, so a new edge fails here until the scenario table says how each kind of viewer
 * reaches it (or why they cannot). Every reachable edge is checked for the subject's id and
 * display name (always visible) and for every other leaf field of User (visible only to the
 * user and to current teammates; null, without an error, for everyone else).
 */
const schema = buildBareSchema();
const userType = schema.getType('User');
if (!isObjectType(userType)) throw new Error('User is not an object type');

const PUBLIC_FIELDS = ['id', 'displayName'];
const leafFields = Object.values(userType.getFields())
  .filter((field) => isLeafType(getNamedType(field.type)))
  .map((field) => field.name);
const personalFields = leafFields.filter((name) => !PUBLIC_FIELDS.includes(name));
const SEL = `{ ${leafFields.join(' ')} }`;

/** Whether a field of this type may answer a User: User itself, or an interface it implements. */
const mayBeUser = (type: GraphQLOutputType) => {
  const named = getNamedType(type);
  return (
    named.name === 'User' ||
    (isInterfaceType(named) && schema.getPossibleTypes(named).some((t) => t.name === 'User'))
  );
};

/** `Type.field` for every field of every object type that may answer a User (`node` too). */
const userEdges = Object.values(schema.getTypeMap())
  .filter(isObjectType)
  .filter((type) => !type.name.startsWith('__'))
  .flatMap((type) =>
    Object.values(type.getFields())
      .filter((field) => mayBeUser(field.type))
      .map((field) => `${type.name}.${field.name}`),
  )
  .sort();

const VIEWERS = ['self', 'teammate', 'former', 'invitee', 'stranger'] as const;
type ViewerKind = (typeof VIEWERS)[number];
/** Who may read personal fields (API.md): the user themself and current teammates. */
const SEES_PERSONAL: Record<ViewerKind, boolean> = {
  self: true,
  teammate: true,
  former: false,
  invitee: false,
  stranger: false,
};

interface World {
  subject: TestUser;
  viewers: Record<ViewerKind, TestUser>;
  /** The subject was a member and left: owned by `former`. */
  formerTeam: TestTeam;
  /** The subject is an ADMIN; owned by `teammate`; the subject invited `invitee` to it. */
  currentTeam: TestTeam;
  /** Owned by `stranger`; the subject declined an invitation to it. */
  declinedTeam: TestTeam;
}

type Data = Record<string, unknown>;
interface Reach {
  transport?: 'http' | 'ws';
  /** No bearer token (the edge is reached by signing in). */
  anonymous?: boolean;
  query: (w: World) => string;
  variables?: (w: World) => Record<string, unknown>;
  /** Every User object in the answer that may be the subject. */
  users: (data: Data) => unknown[];
}
type Plan =
  | Reach[]
  | { refused: string; reach: Reach }
  /** Answered without an error, but the subject is not in the answer (null in its place). */
  | { hidden: string; reach: Reach }
  | { unreachable: string };

const nodes = (connection: unknown) =>
  ((connection as { edges: { node: Data }[] }).edges ?? []).map((edge) => edge.node);

const teamActivity = (team: (w: World) => TestTeam): Reach => ({
  query: () =>
    `query ($t: ID!) { team(id: $t) { activity(first: 20) { edges { node { actor ${SEL} } } } } }`,
  variables: (w) => ({ t: team(w).id }),
  users: (d) => nodes((d.team as Data).activity).map((n) => n.actor),
});
const liveActivity = (team: (w: World) => TestTeam): Reach => ({
  transport: 'ws',
  query: () => `subscription ($t: ID!) { teamActivity(teamId: $t, afterSeq: 0) { actor ${SEL} } }`,
  variables: (w) => ({ t: team(w).id }),
  users: (d) => [(d.teamActivity as Data).actor],
});
const teamItems = (team: (w: World) => TestTeam, edge: 'createdBy' | 'updatedBy'): Reach => ({
  query: () =>
    `query ($t: ID!) { team(id: $t) { items(first: 20) { edges { node { ${edge} ${SEL} } } } } }`,
  variables: (w) => ({ t: team(w).id }),
  users: (d) => nodes((d.team as Data).items).map((n) => n[edge]),
});
const itemById = (edge: 'createdBy' | 'updatedBy', which: 'formerItem' | 'currentItem'): Reach => ({
  query: () => `query ($id: ID!) { item(id: $id) { ${edge} ${SEL} } }`,
  variables: () => ({ id: items[which] }),
  users: (d) => [(d.item as Data)[edge]],
});
const members = (team: (w: World) => TestTeam): Reach => ({
  query: () => `query ($t: ID!) { team(id: $t) { members { user ${SEL} } } }`,
  variables: (w) => ({ t: team(w).id }),
  users: (d) => ((d.team as Data).members as Data[]).map((m) => m.user),
});
const memberPage = (team: (w: World) => TestTeam): Reach => ({
  query: () =>
    `query ($t: ID!) { team(id: $t) { memberConnection { edges { node { user ${SEL} } } } } }`,
  variables: (w) => ({ t: team(w).id }),
  users: (d) => nodes((d.team as Data).memberConnection).map((m) => m.user),
});
const nodeById: Reach = {
  query: () => `query ($id: ID!) { node(id: $id) { ... on User ${SEL} } }`,
  variables: (w) => ({ id: w.subject.id }),
  users: (d) => [d.node],
};
const nodesByIds: Reach = {
  query: () => `query ($ids: [ID!]!) { nodes(ids: $ids) { ... on User ${SEL} } }`,
  variables: (w) => ({ ids: [w.subject.id] }),
  users: (d) => d.nodes as unknown[],
};
const userById: Reach = {
  query: () => `query ($id: ID!) { user(id: $id) ${SEL} }`,
  variables: (w) => ({ id: w.subject.id }),
  users: (d) => [d.user],
};
const former = (w: World) => w.formerTeam;
const current = (w: World) => w.currentTeam;
const declined = (w: World) => w.declinedTeam;
const items: Record<'formerItem' | 'currentItem', string> = { formerItem: '', currentItem: '' };
/** An e-mail change link of the subject's (to the same address, so other cases keep working). */
const links = { emailChange: '' };

const onlyTheCaller = { unreachable: 'answers about the caller, never about someone else' };
const notInTeam = { unreachable: 'not a member of any team whose data holds this edge' };

/** How each kind of viewer reaches the subject through each edge. */
const SCENARIOS: Record<string, Record<ViewerKind, Plan>> = {
  'Query.me': {
    self: [{ query: () => `{ me ${SEL} }`, users: (d) => [d.me] }],
    teammate: onlyTheCaller,
    former: onlyTheCaller,
    invitee: onlyTheCaller,
    stranger: onlyTheCaller,
  },
  'Query.user': {
    self: [userById],
    teammate: [userById],
    former: { refused: 'FORBIDDEN', reach: userById },
    invitee: { refused: 'FORBIDDEN', reach: userById },
    stranger: { refused: 'FORBIDDEN', reach: userById },
  },
  // A User as a whole, to themself and current teammates; null for everyone else, as for an
  // id that does not exist.
  'Query.node': {
    self: [nodeById],
    teammate: [nodeById],
    former: { hidden: 'not a teammate now', reach: nodeById },
    invitee: { hidden: 'not a teammate', reach: nodeById },
    stranger: { hidden: 'not a teammate', reach: nodeById },
  },
  'Query.nodes': {
    self: [nodesByIds],
    teammate: [nodesByIds],
    former: { hidden: 'not a teammate now', reach: nodesByIds },
    invitee: { hidden: 'not a teammate', reach: nodesByIds },
    stranger: { hidden: 'not a teammate', reach: nodesByIds },
  },
  'Mutation.updateProfile': {
    self: [
      {
        query: () => `mutation { updateProfile(input: {}) ${SEL} }`,
        users: (d) => [d.updateProfile],
      },
    ],
    teammate: onlyTheCaller,
    former: onlyTheCaller,
    invitee: onlyTheCaller,
    stranger: onlyTheCaller,
  },
  'Mutation.confirmEmailChange': {
    self: [
      {
        query: () => `mutation ($k: String!) { confirmEmailChange(token: $k) ${SEL} }`,
        variables: () => ({ k: links.emailChange }),
        users: (d) => [d.confirmEmailChange],
      },
    ],
    teammate: { unreachable: 'answers about the account the link was mailed for, never another' },
    former: { unreachable: 'answers about the account the link was mailed for, never another' },
    invitee: { unreachable: 'answers about the account the link was mailed for, never another' },
    stranger: { unreachable: 'answers about the account the link was mailed for, never another' },
  },
  'AuthPayload.user': {
    self: [
      {
        anonymous: true,
        query: () =>
          `mutation ($e: String!, $p: String!) { logIn(email: $e, password: $p) { user ${SEL} } }`,
        variables: (w) => ({ e: w.subject.email, p: w.subject.password }),
        users: (d) => [(d.logIn as Data).user],
      },
    ],
    teammate: onlyTheCaller,
    former: onlyTheCaller,
    invitee: onlyTheCaller,
    stranger: onlyTheCaller,
  },
  'Membership.user': {
    self: [
      members(current),
      memberPage(current),
      {
        query: () => `{ me { teams { user ${SEL} } } }`,
        users: (d) => ((d.me as Data).teams as Data[]).map((m) => m.user),
      },
    ],
    teammate: [members(current), memberPage(current)],
    former: { unreachable: 'a former member is no longer listed among the members' },
    invitee: notInTeam,
    stranger: notInTeam,
  },
  'Activity.actor': {
    self: [teamActivity(current), liveActivity(current)],
    teammate: [teamActivity(current), liveActivity(current)],
    former: [teamActivity(former), liveActivity(former)],
    invitee: notInTeam,
    // The subject declined the stranger's invitation: the stranger's team log names them.
    stranger: [teamActivity(declined), liveActivity(declined)],
  },
  'Item.createdBy': {
    self: [teamItems(current, 'createdBy'), itemById('createdBy', 'currentItem')],
    teammate: [teamItems(current, 'createdBy'), itemById('createdBy', 'currentItem')],
    former: [teamItems(former, 'createdBy'), itemById('createdBy', 'formerItem')],
    invitee: notInTeam,
    stranger: notInTeam,
  },
  'Item.updatedBy': {
    self: [teamItems(current, 'updatedBy')],
    teammate: [teamItems(current, 'updatedBy')],
    former: [teamItems(former, 'updatedBy'), itemById('updatedBy', 'formerItem')],
    invitee: notInTeam,
    stranger: notInTeam,
  },
  'Invitation.invitedBy': {
    self: [
      {
        query: () => `query ($t: ID!) { team(id: $t) { invitations { invitedBy ${SEL} } } }`,
        variables: (w) => ({ t: w.currentTeam.id }),
        users: (d) => ((d.team as Data).invitations as Data[]).map((i) => i.invitedBy),
      },
    ],
    teammate: [
      {
        query: () => `query ($t: ID!) { team(id: $t) { invitations { invitedBy ${SEL} } } }`,
        variables: (w) => ({ t: w.currentTeam.id }),
        users: (d) => ((d.team as Data).invitations as Data[]).map((i) => i.invitedBy),
      },
    ],
    former: { unreachable: 'the subject never invited anyone to the former team' },
    invitee: [
      {
        query: () => `{ myInvitations { invitedBy ${SEL} } }`,
        users: (d) => (d.myInvitations as Data[]).map((i) => i.invitedBy),
      },
    ],
    stranger: { unreachable: 'sees only invitations of their own team, none by the subject' },
  },
};

describe('the scenario table covers the schema', () => {
  it('finds the User edges by walking the schema', () => {
    expect(userEdges).toEqual(expect.arrayContaining(['Activity.actor', 'Invitation.invitedBy']));
  });

  it.each(userEdges)('%s has a plan for every kind of viewer', (edge) => {
    expect(Object.keys(SCENARIOS[edge] ?? {}).sort()).toEqual([...VIEWERS].sort());
    const plans = Object.values(SCENARIOS[edge]);
    // At least one viewer really reaches the edge, so the table cannot skip it wholesale.
    expect(plans.some((plan) => Array.isArray(plan) && plan.length > 0)).toBe(true);
  });

  it('names no edge that is gone', () => {
    expect(Object.keys(SCENARIOS).filter((edge) => !userEdges.includes(edge))).toEqual([]);
  });

  it('every personal field can be null, so hiding it is not an error', () => {
    expect(personalFields.length).toBeGreaterThan(0);
    for (const name of personalFields) {
      expect([name, isNonNullType(userType.getFields()[name].type)]).toEqual([name, false]);
    }
  });

  it('the permission map guards every User field but id, displayName and teams by default', () => {
    expect(Object.keys(permissionRules.User).sort()).toEqual(
      ['*', 'displayName', 'id', 'teams'].sort(),
    );
  });
});

describe('profile visibility through the real server', () => {
  let app: TestApp;
  let world: World;
  const sockets: LiveClient[] = [];

  beforeAll(async () => {
    app = await startTestApp();
    const subject = await buildUser(app, { displayName: 'Subject Person' });
    const viewers = {
      self: subject,
      teammate: await buildUser(app),
      former: await buildUser(app),
      invitee: await buildUser(app),
      stranger: await buildUser(app),
    };
    // Invitations are shown only to a verified address.
    await markEmailVerified(app, viewers.invitee);
    const as = async (user: TestUser, query: string, variables: Record<string, unknown>) => {
      const response = await app.gql<Data>(query, variables, user.token);
      if (response.errors) throw new Error(`${query}: ${JSON.stringify(response.errors)}`);
      return response.data!;
    };
    const CREATE = `mutation ($t: ID!) { createItem(teamId: $t, input: { title: "by subject" }) { id } }`;

    const formerTeam = await buildTeam(app, viewers.former, 'Former team');
    await addMember(app, formerTeam, 'MEMBER', subject);
    items.formerItem = ((await as(subject, CREATE, { t: formerTeam.id })).createItem as Data)
      .id as string;
    await as(subject, `mutation ($t: ID!) { leaveTeam(teamId: $t) }`, { t: formerTeam.id });

    const currentTeam = await buildTeam(app, viewers.teammate, 'Current team');
    await addMember(app, currentTeam, 'ADMIN', subject);
    items.currentItem = ((await as(subject, CREATE, { t: currentTeam.id })).createItem as Data)
      .id as string;
    await buildInvitation(app, currentTeam, { email: viewers.invitee.email, inviter: subject });

    const declinedTeam = await buildTeam(app, viewers.stranger, 'Declined team');
    const invitation = await buildInvitation(app, declinedTeam, { email: subject.email });
    await as(subject, `mutation ($k: String!) { declineInvitation(token: $k) }`, {
      k: invitation.token,
    });
    links.emailChange = generateToken();
    await app.sql(
      `INSERT INTO account_tokens (user_id, purpose, token_hash, email, expires_at)
       VALUES ($1, 'EMAIL_CHANGE', $2, $3, now() + interval '1 hour')`,
      [subject.id, hashToken(links.emailChange), subject.email],
    );
    world = { subject, viewers, formerTeam, currentTeam, declinedTeam };
  });

  afterAll(async () => {
    await Promise.all(sockets.map((s) => s.dispose()));
    await app?.stop();
  });

  async function run(viewer: ViewerKind, reach: Reach) {
    const token = reach.anonymous ? null : world.viewers[viewer].token;
    const variables = reach.variables?.(world) ?? {};
    if (reach.transport !== 'ws') return app.gql<Data>(reach.query(world), variables, token);
    const live = await connectLive(app, token);
    sockets.push(live);
    const feed = subscribe(live, reach.query(world), variables);
    const isSubject = (r: { data?: Data | null }) =>
      Boolean(
        r.data && reach.users(r.data).some((u) => (u as Data | null)?.id === world.subject.id),
      );
    await feed.until((f) => f.results.some(isSubject) || f.completed, 10_000, 'the subject');
    feed.unsubscribe();
    const hit = feed.results.find(isSubject);
    return { data: hit?.data as Data | undefined, errors: hit?.errors, status: 200 };
  }

  // Unreachable pairs are documented in the table (and checked to be complete above).
  const cases = userEdges.flatMap((edge) =>
    VIEWERS.filter((viewer) => !('unreachable' in (SCENARIOS[edge]?.[viewer] ?? {}))).map(
      (viewer) => [edge, viewer] as [string, ViewerKind],
    ),
  );

  it.each(cases)('%s as seen by %s', async (edge, viewer) => {
    const plan = SCENARIOS[edge][viewer] as Exclude<Plan, { unreachable: string }>;
    if ('hidden' in plan) {
      const response = await run(viewer, plan.reach);
      expect(response.errors).toBeUndefined();
      expect(plan.reach.users(response.data!)).toEqual([null]);
      expect(JSON.stringify(response.data)).not.toContain(world.subject.id);
      return;
    }
    if ('refused' in plan) {
      const response = await run(viewer, plan.reach);
      expect(errorCode(response as never)).toBe(plan.refused);
      expect(JSON.stringify(response.data ?? null)).not.toContain(world.subject.email);
      return;
    }
    for (const reach of plan) {
      const response = await run(viewer, reach);
      expect(response.errors).toBeUndefined();
      const found = reach
        .users(response.data!)
        .filter((u) => (u as Data | null)?.id === world.subject.id) as Data[];
      expect(found.length).toBeGreaterThan(0);
      for (const user of found) {
        expect(user.displayName).toBe('Subject Person');
        for (const name of personalFields) {
          if (SEES_PERSONAL[viewer]) expect([name, user[name]]).toEqual([name, expect.anything()]);
          else expect([name, user[name]]).toEqual([name, null]);
        }
      }
      if (!SEES_PERSONAL[viewer]) {
        expect(JSON.stringify(response.data)).not.toContain(world.subject.email);
      }
    }
  });
});
