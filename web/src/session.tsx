import { createContext, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { createTeamgraphClient, TeamgraphError, type TeamgraphClient } from '../../client/src';
import { LogOutDocument } from '../../client/generated/graphql';
import { endsSession, SESSION_ENDED } from './session-ending';

const TOKEN_KEY = 'teamgraph.session';
/** Why the last session ended: kept across a reload, so the log-in page can still say it. */
const ENDED_KEY = 'teamgraph.session-ended';

export interface Session {
  token: string | null;
  client: TeamgraphClient;
  /** Why the last session ended (shown on the log-in page), or null. */
  endedReason: string | null;
  signIn(token: string): void;
  signOut(): void;
  /** Ends the session on the server too (logOut), then here. */
  logOut(): Promise<void>;
  /** Forgets a session the server no longer honours, saying why. */
  endSession(reason: string): void;
}

const SessionContext = createContext<Session | null>(null);

/** One kit client per session token: signing in or out starts a fresh socket. */
export function SessionProvider({ children }: { children: ReactNode }) {
  const [token, setToken] = useState(() => localStorage.getItem(TOKEN_KEY));
  const [endedReason, setEndedReason] = useState(() => sessionStorage.getItem(ENDED_KEY));
  const session = useMemo<Session>(() => {
    // The page sends only first-party operations: by hash, so TRUSTED_DOCUMENTS=require serves it.
    const kit = createTeamgraphClient({
      url: `${location.origin}/graphql`,
      token,
      trustedDocuments: true,
    });
    const forget = (reason: string | null) => {
      localStorage.removeItem(TOKEN_KEY);
      if (reason) sessionStorage.setItem(ENDED_KEY, reason);
      else sessionStorage.removeItem(ENDED_KEY);
      void kit.close();
      setEndedReason(reason);
      setToken(null);
    };
    const request = (async (operation: { toString(): string }, variables?: unknown) => {
      try {
        return await (kit.request as (op: unknown, vars: unknown) => Promise<unknown>)(
          operation,
          variables,
        );
      } catch (error) {
        // A token the server refuses is over for every page: lead to the log-in page.
        if (token && error instanceof TeamgraphError && error.code === 'UNAUTHENTICATED')
          forget(SESSION_ENDED);
        throw error;
      }
    }) as TeamgraphClient['request'];
    const client: TeamgraphClient = { ...kit, request };
    return {
      token,
      client,
      endedReason,
      signIn(next) {
        localStorage.setItem(TOKEN_KEY, next);
        sessionStorage.removeItem(ENDED_KEY);
        void kit.close();
        setEndedReason(null);
        setToken(next);
      },
      signOut: () => forget(null),
      async logOut() {
        // Forget it here first: the server closing this socket (4403) is then no surprise.
        forget(null);
        await kit.request(LogOutDocument).catch(() => undefined);
      },
      endSession: forget,
    };
  }, [token, endedReason]);

  // The socket closing with 4401/4403 (session revoked elsewhere) ends the session here too.
  const { client, endSession } = session;
  useEffect(() => {
    if (!token) return;
    const watch = client.followAccountEvents({
      onEvent: () => undefined,
      onEnded: (end) => {
        if (endsSession(end)) endSession(SESSION_ENDED);
      },
    });
    return () => watch.stop();
  }, [client, token, endSession]);

  return <SessionContext.Provider value={session}>{children}</SessionContext.Provider>;
}

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession outside SessionProvider');
  return session;
}
