import { createContext, useContext, useMemo, useState, type ReactNode } from 'react';
import { createTeamgraphClient, type TeamgraphClient } from '../../client/src';

const TOKEN_KEY = 'teamgraph.session';

export interface Session {
  token: string | null;
  client: TeamgraphClient;
  signIn(token: string): void;
  signOut(): void;
}

const SessionContext = createContext<Session | null>(null);

/** One kit client per session token: signing in or out starts a fresh socket. */
export function SessionProvider({ children }: { children: ReactNode }) {
  const [token, setToken] = useState(() => localStorage.getItem(TOKEN_KEY));
  const session = useMemo<Session>(() => {
    // The page sends only first-party operations: by hash, so TRUSTED_DOCUMENTS=require serves it.
    const client = createTeamgraphClient({
      url: `${location.origin}/graphql`,
      token,
      trustedDocuments: true,
    });
    return {
      token,
      client,
      signIn(next) {
        localStorage.setItem(TOKEN_KEY, next);
        void client.close();
        setToken(next);
      },
      signOut() {
        localStorage.removeItem(TOKEN_KEY);
        void client.close();
        setToken(null);
      },
    };
  }, [token]);
  return <SessionContext.Provider value={session}>{children}</SessionContext.Provider>;
}

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession outside SessionProvider');
  return session;
}
