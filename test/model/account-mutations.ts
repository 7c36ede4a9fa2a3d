import {
  PASSWORDS,
  accountById,
  accountWithEmail,
  endAccess,
  endPendingSecurityState,
  recordRow,
  revokeSessions,
  teamById,
  type Account,
  type Model,
} from './promises';
import {
  fail,
  mutation,
  nth,
  pickActor,
  signedIn,
  succeed,
  type Actor,
  type MutationSpec,
  type Outcome,
  type Picks,
  type Request,
} from './mutation-spec';

/** Subjects of the e-mails whose links the model follows. */
export const SUBJECTS = {
  verify: 'Confirm your e-mail address for teamgraph',
  reset: 'Reset your teamgraph password',
  emailChange: 'Confirm your new e-mail address for teamgraph',
  changeRequested: 'Your teamgraph e-mail address is being changed',
  changed: 'Your teamgraph e-mail address was changed',
} as const;

/** The same address as a person might type it: as stored, or upper-case with spaces around. */
export const spelled = (address: string, choice: number): string =>
  choice % 2 ? ` ${address.toUpperCase()} ` : address;

/** Another password than `current`, chosen by `choice`. */
const otherPassword = (current: string, choice: number): string => {
  const others = PASSWORDS.filter((p) => p !== current);
  return others[choice % others.length];
};

const request = (
  query: string,
  variables: Record<string, unknown>,
  token: string | null,
): Request => ({ query, variables, token });

/** Marks every earlier link in `links` dead and adds the new one (only the newest works). */
function newest(links: { token: string; live: boolean }[], token: string): void {
  for (const link of links) link.live = false;
  links.push({ token, live: true });
}

interface ActorIntent {
  request: Request;
  actor: Actor;
  choice: number;
}

/** Mutations of a signed-in caller whose outcome depends on the caller and one choice. */
function ofActor(
  query: (picks: Picks) => string,
  variables: (model: Model, account: Account | undefined, picks: Picks) => Record<string, unknown>,
  expect: (model: Model, account: Account, intent: ActorIntent) => Outcome[],
): MutationSpec {
  return mutation<ActorIntent>({
    plan(model, picks) {
      const actor = pickActor(model, picks);
      if (!actor) return null;
      const account = accountById(model, actor.accountId);
      return {
        actor,
        choice: picks.choice,
        request: request(query(picks), variables(model, account, picks), actor.token),
      };
    },
    expect(model, intent) {
      const account = signedIn(model, intent.actor);
      return account ? expect(model, account, intent) : fail('UNAUTHENTICATED');
    },
  });
}

/** The caller's password, or (odd choices of 3) a wrong one. */
const passwordFor = (account: Account | undefined, choice: number): string =>
  account && choice % 3 !== 2 ? account.password : 'Not-The-Password-11!';

/** An unused recovery code when the account has one, else a code that cannot be right. */
const codeFor = (account: Account | undefined): string => account?.recoveryCodes[0] ?? '000000';

function spendCode(account: Account, code: string): boolean {
  const index = account.recoveryCodes.indexOf(code);
  if (index < 0) return false;
  account.recoveryCodes.splice(index, 1);
  return true;
}

export const signUp = mutation<{
  request: Request;
  email: string;
  password: string;
  displayName: string;
}>({
  plan(model, picks) {
    const email = model.addresses[picks.other % model.addresses.length];
    const password = PASSWORDS[picks.choice % PASSWORDS.length];
    // Unique in the run, so the check that a deleted account's name is gone is about it alone.
    const displayName = `${email.split('@')[0]} (${model.accounts.length})`;
    return {
      email,
      password,
      displayName,
      request: request(
        `mutation ($input: SignUpInput!) { signUp(input: $input) { token user { id } } }`,
        {
          input: {
            email: spelled(email, picks.choice),
            password,
            displayName,
          },
        },
        null,
      ),
    };
  },
  expect(model, { email, password, displayName }) {
    if (accountWithEmail(model, email)) return fail('CONFLICT');
    return [
      {
        ok: true,
        session: true,
        links: [{ to: email, subject: SUBJECTS.verify }],
        apply(next, served) {
          const value = served.value as { token: string; user: { id: string } };
          next.accounts.push({
            id: value.user.id,
            email,
            displayName,
            password,
            verified: false,
            deleted: false,
            sessions: [{ token: value.token, id: served.sessionId ?? '', live: true }],
            twoFactor: false,
            pendingSecret: null,
            recoveryCodes: [],
            verifyLinks: [{ token: served.linkTokens[0], live: true, email }],
            resetLinks: [],
            emailChanges: [],
            revertLinks: [],
            twoFactorUndoLinks: [],
            formerEmails: [],
            formerPasswords: [],
            formerNames: [],
          });
        },
      },
    ];
  },
});

interface LogInIntent {
  request: Request;
  email: string;
  password: string;
  code: string | null;
}

export const logIn = mutation<LogInIntent>({
  plan(model, picks) {
    const email = model.addresses[picks.other % model.addresses.length];
    const holder = accountWithEmail(model, email);
    // Mostly the right password; sometimes another of the run's passwords.
    const password =
      holder && picks.choice % 4 !== 3 ? holder.password : PASSWORDS[picks.choice % 3];
    const code = holder?.twoFactor && picks.choice % 5 !== 4 ? codeFor(holder) : null;
    return {
      email,
      password,
      code,
      request: request(
        `mutation ($email: String!, $password: String!, $code: String) {
          logIn(email: $email, password: $password, code: $code) { token user { id } }
        }`,
        { email: spelled(email, picks.choice), password, code },
        null,
      ),
    };
  },
  expect(model, { email, password, code }) {
    const holder = accountWithEmail(model, email);
    if (!holder || holder.password !== password) return fail('UNAUTHENTICATED');
    if (holder.twoFactor) {
      if (code === null) return fail('TWO_FACTOR_REQUIRED');
      if (!holder.recoveryCodes.includes(code)) return fail('UNAUTHENTICATED');
    }
    return [
      {
        ok: true,
        session: true,
        apply(next, served) {
          const account = accountWithEmail(next, email)!;
          if (code !== null) spendCode(account, code);
          const value = served.value as { token: string };
          account.sessions.push({ token: value.token, id: served.sessionId ?? '', live: true });
        },
      },
    ];
  },
});

export const logOut = ofActor(
  () => `mutation { logOut }`,
  () => ({}),
  (_model, _account, { actor }) =>
    succeed((next) => {
      const account = accountById(next, actor.accountId)!;
      for (const session of account.sessions)
        if (session.token === actor.token) session.live = false;
      for (const feed of next.feeds) if (feed.sessionToken === actor.token) feed.state = 'cut';
    }),
);

interface RevokeSessionIntent {
  request: Request;
  actor: Actor;
  sessionId: string;
}

export const revokeSession = mutation<RevokeSessionIntent>({
  plan(model, picks) {
    const actor = pickActor(model, picks);
    // Any session of the run: the caller's own other ones, its current one, or someone else's.
    const sessions = model.accounts.flatMap((a) => a.sessions);
    const target = nth(sessions, picks.other);
    if (!actor || !target) return null;
    return {
      actor,
      sessionId: target.id,
      request: request(
        `mutation ($id: ID!) { revokeSession(id: $id) }`,
        { id: target.id },
        actor.token,
      ),
    };
  },
  expect(model, { actor, sessionId }) {
    const account = signedIn(model, actor);
    if (!account) return fail('UNAUTHENTICATED');
    const own = account.sessions.find((s) => s.id === sessionId);
    if (!own) return fail('NOT_FOUND', 'FORBIDDEN');
    if (!own.live) return [{ ok: false, codes: ['NOT_FOUND'] }, ...succeed(() => undefined)];
    return succeed((next) => {
      const session = accountById(next, actor.accountId)!.sessions.find((s) => s.id === sessionId)!;
      session.live = false;
      for (const feed of next.feeds) if (feed.sessionToken === session.token) feed.state = 'cut';
    });
  },
});

export const revokeOtherSessions = ofActor(
  () => `mutation { revokeOtherSessions }`,
  () => ({}),
  (_model, _account, { actor }) =>
    succeed((next) => revokeSessions(next, accountById(next, actor.accountId)!, actor.token!)),
);

export const changePassword = ofActor(
  () => `mutation ($current: String!, $next: String!) {
    changePassword(currentPassword: $current, newPassword: $next)
  }`,
  (_model, account, picks) => ({
    current: passwordFor(account, picks.choice),
    next: otherPassword(account?.password ?? '', picks.other),
  }),
  (_model, account, { actor, request: sent }) => {
    if (sent.variables.current !== account.password) return fail('BAD_USER_INPUT');
    return succeed((next) => {
      const changed = accountById(next, actor.accountId)!;
      changed.formerPasswords.push(changed.password);
      changed.password = String(sent.variables.next);
      revokeSessions(next, changed, actor.token!);
      endPendingSecurityState(changed);
    });
  },
);

export const updateProfile = ofActor(
  () => `mutation ($input: UpdateProfileInput!) { updateProfile(input: $input) { id } }`,
  (_model, account, picks) => ({
    input: { displayName: `${account?.email.split('@')[0] ?? 'someone'} renamed (${picks.other})` },
  }),
  (_model, _account, { actor, request: sent }) =>
    succeed((next) => {
      const input = sent.variables.input as { displayName: string };
      const renamed = accountById(next, actor.accountId)!;
      renamed.formerNames.push(renamed.displayName);
      renamed.displayName = input.displayName;
    }),
);

export const requestPasswordReset = mutation<{ request: Request; email: string }>({
  plan(model, picks) {
    const email = model.addresses[picks.other % model.addresses.length];
    return {
      email,
      request: request(
        `mutation ($email: String!) { requestPasswordReset(email: $email) }`,
        { email: spelled(email, picks.choice) },
        null,
      ),
    };
  },
  expect(model, { email }) {
    const holder = accountWithEmail(model, email);
    if (!holder) return succeed(() => undefined);
    return [
      {
        ok: true,
        links: [{ to: email, subject: SUBJECTS.reset }],
        apply(next, served) {
          newest(accountWithEmail(next, email)!.resetLinks, served.linkTokens[0]);
        },
      },
    ];
  },
});

export interface LinkIntent {
  request: Request;
  accountId: string;
  token: string;
}

/** Forms a request with one of the run's e-mailed links of a kind (often the newest). */
export function linkPlan(
  links: (account: Account) => { token: string }[],
  build: (token: string, account: Account, picks: Picks) => Request,
) {
  return (model: Model, picks: Picks): LinkIntent | null => {
    const holders = model.accounts.filter((a) => links(a).length);
    const account = nth(holders, picks.actor);
    if (!account) return null;
    const all = links(account);
    const link = picks.choice % 3 ? all[all.length - 1] : nth(all, picks.other)!;
    return { accountId: account.id, token: link.token, request: build(link.token, account, picks) };
  };
}

export const resetPassword = mutation<LinkIntent & { password: string }>({
  plan(model, picks) {
    const planned = linkPlan(
      (a) => a.resetLinks,
      (token, account, p) =>
        request(
          `mutation ($token: String!, $password: String!) {
            resetPassword(token: $token, newPassword: $password)
          }`,
          { token, password: otherPassword(account.password, p.other) },
          null,
        ),
    )(model, picks);
    return planned && { ...planned, password: String(planned.request.variables.password) };
  },
  expect(model, { accountId, token, password }) {
    const account = accountById(model, accountId)!;
    const link = account.resetLinks.find((l) => l.token === token);
    if (account.deleted || !link?.live) return fail('BAD_USER_INPUT');
    return succeed((next) => {
      const reset = accountById(next, accountId)!;
      reset.formerPasswords.push(reset.password);
      reset.password = password;
      // The link reached the address, which proves it.
      reset.verified = true;
      revokeSessions(next, reset);
      endPendingSecurityState(reset);
    });
  },
});

export const verifyEmail = mutation<LinkIntent>({
  plan: linkPlan(
    (a) => a.verifyLinks,
    (token) =>
      request(`mutation ($token: String!) { verifyEmail(token: $token) }`, { token }, null),
  ),
  expect(model, { accountId, token }) {
    const account = accountById(model, accountId)!;
    const link = account.verifyLinks.find((l) => l.token === token);
    // A link verifies the address it was sent to, while the account uses it (again, after a
    // revert): one for a former address is refused and stays unspent.
    if (account.deleted || !link?.live || link.email !== account.email)
      return fail('BAD_USER_INPUT');
    return succeed((next) => {
      const verified = accountById(next, accountId)!;
      verified.verified = true;
      for (const l of verified.verifyLinks) if (l.token === token) l.live = false;
    });
  },
});

export const resendVerificationEmail = ofActor(
  () => `mutation { resendVerificationEmail }`,
  () => ({}),
  (_model, account, { actor }) => {
    if (account.verified) return fail('CONFLICT');
    return [
      {
        ok: true,
        links: [{ to: account.email, subject: SUBJECTS.verify }],
        apply(next, served) {
          const links = accountById(next, actor.accountId)!.verifyLinks;
          for (const link of links) link.live = false;
          links.push({ token: served.linkTokens[0], live: true, email: account.email });
        },
      },
    ];
  },
);

export const requestEmailChange = ofActor(
  () => `mutation ($email: String!, $password: String!) {
    requestEmailChange(newEmail: $email, password: $password)
  }`,
  (model, account, picks) => ({
    email: spelled(model.addresses[picks.other % model.addresses.length], picks.choice),
    password: passwordFor(account, picks.choice),
  }),
  (model, account, { actor, request: sent }) => {
    const newEmail = String(sent.variables.email).trim().toLowerCase();
    if (sent.variables.password !== account.password) return fail('BAD_USER_INPUT');
    if (newEmail === account.email) return fail('BAD_USER_INPUT');
    if (accountWithEmail(model, newEmail)) return fail('CONFLICT');
    return [
      {
        ok: true,
        // The link to the new address, and the notice with a way back to the current one.
        links: [
          { to: newEmail, subject: SUBJECTS.emailChange },
          { to: account.email, subject: SUBJECTS.changeRequested },
        ],
        apply(next, served) {
          const requester = accountById(next, actor.accountId)!;
          for (const link of requester.emailChanges) link.live = false;
          requester.emailChanges.push({ token: served.linkTokens[0], live: true, newEmail });
          requester.revertLinks.push({
            token: served.linkTokens[1],
            live: true,
            email: requester.email,
          });
        },
      },
    ];
  },
);

export const confirmEmailChange = mutation<LinkIntent & { signedInAs: Actor | null }>({
  plan(model, picks) {
    const planned = linkPlan(
      (a) => a.emailChanges,
      (token) =>
        request(
          `mutation ($token: String!) { confirmEmailChange(token: $token) { id } }`,
          { token },
          null,
        ),
    )(model, picks);
    if (!planned) return null;
    // Opened in the account's own browser (signed in) or elsewhere (anonymous).
    const actor =
      picks.instance % 2
        ? pickActor(model, {
            ...picks,
            actor: model.accounts.findIndex((a) => a.id === planned.accountId),
          })
        : null;
    return {
      ...planned,
      signedInAs: actor,
      request: { ...planned.request, token: actor?.token ?? null },
    };
  },
  expect(model, { accountId, token, signedInAs }) {
    const account = accountById(model, accountId)!;
    const link = account.emailChanges.find((l) => l.token === token);
    if (account.deleted || !link?.live) return fail('BAD_USER_INPUT');
    if (accountWithEmail(model, link.newEmail)) return fail('CONFLICT');
    const keep = signedInAs && signedIn(model, signedInAs) ? signedInAs.token! : undefined;
    return [
      {
        ok: true,
        links: [{ to: account.email, subject: SUBJECTS.changed }],
        apply(next, served) {
          const changed = accountById(next, accountId)!;
          changed.revertLinks.push({
            token: served.linkTokens[0],
            live: true,
            email: changed.email,
          });
          moveTo(changed, link.newEmail);
          endAccountSecrets(next, changed, keep);
        },
      },
    ];
  },
});

/** The account now uses `email`, proven by a link that reached it. */
function moveTo(account: Account, email: string): void {
  account.formerEmails.push(account.email);
  account.email = email;
  account.verified = true;
}

/** What a change of credentials ends: other sessions, pending links, a setup not confirmed. */
export function endAccountSecrets(model: Model, account: Account, keep?: string): void {
  revokeSessions(model, account, keep);
  endPendingSecurityState(account);
}

export const revertEmailChange = mutation<LinkIntent>({
  plan: linkPlan(
    (a) => a.revertLinks,
    (token) =>
      request(`mutation ($token: String!) { revertEmailChange(token: $token) }`, { token }, null),
  ),
  expect(model, { accountId, token }) {
    const account = accountById(model, accountId)!;
    const index = account.revertLinks.findIndex((l) => l.token === token);
    const link = account.revertLinks[index];
    if (account.deleted || !link?.live) return fail('BAD_USER_INPUT');
    const holder = accountWithEmail(model, link.email);
    if (holder && holder.id !== accountId) return fail('CONFLICT');
    return succeed((next) => {
      const reverted = accountById(next, accountId)!;
      if (reverted.email !== link.email) moveTo(reverted, link.email);
      // This link is spent, and those issued after it (to later addresses) end with it.
      for (const later of reverted.revertLinks.slice(index)) later.live = false;
      endAccountSecrets(next, reverted);
    });
  },
});

export const confirmIdentity = ofActor(
  () =>
    `mutation ($password: String!, $code: String) { confirmIdentity(password: $password, code: $code) }`,
  (_model, account, picks) => ({
    password: passwordFor(account, picks.choice),
    code: account?.twoFactor && picks.choice % 5 !== 4 ? codeFor(account) : null,
  }),
  (_model, account, { actor, request: sent }) => {
    if (sent.variables.password !== account.password) return fail('BAD_USER_INPUT');
    const code = sent.variables.code as string | null;
    if (account.twoFactor) {
      if (code === null) return fail('TWO_FACTOR_REQUIRED');
      if (!account.recoveryCodes.includes(code)) return fail('BAD_USER_INPUT');
    }
    return succeed((next) => {
      if (code !== null) spendCode(accountById(next, actor.accountId)!, code);
    });
  },
);

export const deleteAccount = ofActor(
  () =>
    `mutation ($password: String!, $code: String) { deleteAccount(password: $password, code: $code) }`,
  (_model, account, picks) => ({
    password: passwordFor(account, picks.choice),
    code: account?.twoFactor && picks.choice % 5 !== 4 ? codeFor(account) : null,
  }),
  (model, account, { actor, request: sent }) => {
    const owns = model.teams.some((t) => !t.deleted && t.members[account.id] === 'OWNER');
    if (owns) return fail('CONFLICT');
    if (sent.variables.password !== account.password) return fail('BAD_USER_INPUT');
    const code = sent.variables.code as string | null;
    if (account.twoFactor) {
      if (code === null) return fail('TWO_FACTOR_REQUIRED');
      if (!account.recoveryCodes.includes(code)) return fail('BAD_USER_INPUT');
    }
    return succeed((next) => eraseAccount(next, actor.accountId));
  },
);

/** Deletion as API.md states it: every team touched, in id order, then the account itself. */
function eraseAccount(model: Model, accountId: string): void {
  const account = accountById(model, accountId)!;
  const touched = new Set<string>();
  for (const team of model.teams)
    if (!team.deleted && team.members[accountId]) touched.add(team.id);
  for (const invitation of model.invitations)
    if (
      invitation.status === 'PENDING' &&
      teamById(model, invitation.teamId) &&
      (invitation.invitedBy === accountId || invitation.email === account.email)
    )
      touched.add(invitation.teamId);
  for (const teamId of [...touched].sort()) {
    const team = teamById(model, teamId)!;
    for (const invitation of model.invitations) {
      if (invitation.teamId !== teamId || invitation.status !== 'PENDING') continue;
      if (invitation.invitedBy === accountId) {
        invitation.status = 'REVOKED';
        recordRow(model, team, 'INVITATION_REVOKED');
      } else if (invitation.email === account.email) {
        invitation.status = 'DECLINED';
        recordRow(model, team, 'INVITATION_DECLINED');
      }
    }
    if (team.members[accountId]) {
      recordRow(model, team, 'MEMBER_LEFT');
      delete team.members[accountId];
      endAccess(model, teamId, accountId);
    }
  }
  const tombstone = `deleted-${accountId}@deleted.invalid`;
  // Answered invitations lose the address; one still pending keeps the address it was sent to.
  for (const invitation of model.invitations)
    if (invitation.email === account.email && invitation.status !== 'PENDING')
      invitation.email = tombstone;
  revokeSessions(model, account);
  account.deleted = true;
  account.verified = false;
  account.twoFactor = false;
  account.recoveryCodes = [];
  for (const links of [
    account.resetLinks,
    account.verifyLinks,
    account.emailChanges,
    account.revertLinks,
    account.twoFactorUndoLinks,
  ])
    for (const link of links) link.live = false;
}
