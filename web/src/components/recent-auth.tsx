import { createContext, useCallback, useContext, useState, type ReactNode } from 'react';
import { TeamgraphError } from '../../../client/src';
import { ConfirmIdentityDocument } from '../../../client/generated/graphql';
import { useSession } from '../session';
import { ConfirmDialog } from './confirm-dialog';
import { CurrentPasswordField, SecondFactorField } from './identity-fields';

type WithRecentAuth = <T>(run: () => Promise<T>) => Promise<T>;

const RecentAuthContext = createContext<WithRecentAuth | null>(null);

/** The answer to an operation that needs a session which proved its owner recently. */
export const needsRecentAuthentication = (error: unknown): boolean =>
  error instanceof TeamgraphError &&
  error.code === 'FORBIDDEN' &&
  error.errors[0]?.extensions?.reason === 'REAUTHENTICATION_REQUIRED';

/**
 * Runs operations that may need recent authentication: when the server asks for it, the
 * person confirms their password (and code, with two-factor on) through confirmIdentity, and
 * the operation runs once more.
 */
export function RecentAuthProvider(props: { twoFactorEnabled: boolean; children: ReactNode }) {
  const { client } = useSession();
  const [pending, setPending] = useState<{ resolve(): void; reject(e: Error): void } | null>(null);
  const [password, setPassword] = useState('');
  const [code, setCode] = useState('');

  const withRecentAuth = useCallback<WithRecentAuth>(async (run) => {
    try {
      return await run();
    } catch (error) {
      if (!needsRecentAuthentication(error)) throw error;
      await new Promise<void>((resolve, reject) => setPending({ resolve, reject }));
      return run();
    }
  }, []);

  const close = () => {
    setPending(null);
    setPassword('');
    setCode('');
  };

  return (
    <RecentAuthContext.Provider value={withRecentAuth}>
      {props.children}
      {pending && (
        <ConfirmDialog
          title="Confirm it is you"
          confirmLabel="Confirm"
          onCancel={() => {
            pending.reject(
              new TeamgraphError([
                {
                  message: 'Not done: your identity was not confirmed.',
                  extensions: { code: 'CANCELLED' },
                },
              ]),
            );
            close();
          }}
          onConfirm={async () => {
            await client.request(ConfirmIdentityDocument, {
              password,
              code: props.twoFactorEnabled ? code : null,
            });
            pending.resolve();
            close();
          }}
        >
          <p>This changes how your account signs in. Enter your password to go on.</p>
          <CurrentPasswordField value={password} onChange={setPassword} />
          {props.twoFactorEnabled && <SecondFactorField value={code} onChange={setCode} />}
        </ConfirmDialog>
      )}
    </RecentAuthContext.Provider>
  );
}

export function useRecentAuth(): WithRecentAuth {
  const withRecentAuth = useContext(RecentAuthContext);
  if (!withRecentAuth) throw new Error('useRecentAuth outside RecentAuthProvider');
  return withRecentAuth;
}
