import { useState, type FormEvent } from 'react';
import { ResetPasswordDocument } from '../../../client/generated/graphql';
import { WayOn } from '../components/account-link';
import { AppLink } from '../components/app-link';
import { PASSWORD_RULES, TextField } from '../components/text-field';
import { useSession } from '../session';
import { asTeamgraphError } from '../use-request';
import { useLinkToken } from '../use-link-token';

/** /account/reset-password#token=…: a new password from the e-mailed link; every session ends. */
export function ResetPasswordPage() {
  const { client, signOut } = useSession();
  const token = useLinkToken();
  const [password, setPassword] = useState('');
  const [state, setState] = useState<'form' | 'done' | 'invalid'>(token ? 'form' : 'invalid');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await client.request(ResetPasswordDocument, { token, newPassword: password });
      signOut();
      setState('done');
    } catch (caught) {
      const failure = asTeamgraphError(caught);
      if (failure.field === 'token') setState('invalid');
      else setError(failure.message);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="card narrow stack">
      <h1>Choose a new password</h1>
      {state === 'form' && (
        <form className="stack" onSubmit={submit}>
          <TextField
            label="New password"
            type="password"
            autoComplete="new-password"
            value={password}
            onChange={setPassword}
            hint={PASSWORD_RULES}
          />
          {error && (
            <p className="error" role="alert">
              {error}
            </p>
          )}
          <div className="actions">
            <button type="submit" disabled={busy}>
              Set the new password
            </button>
          </div>
        </form>
      )}
      {state === 'done' && (
        <p className="success" role="status">
          Your password was changed and every session was ended. Log in with the new password.
        </p>
      )}
      {state === 'invalid' && (
        <p className="error" role="alert">
          This reset link is not valid any more (used, replaced by a newer one, or older than an
          hour). <AppLink to="/forgot-password">Ask for a new link</AppLink>.
        </p>
      )}
      {state !== 'form' && <WayOn />}
    </section>
  );
}
