import { useState, type FormEvent } from 'react';
import { RequestPasswordResetDocument } from '../../../client/generated/graphql';
import { AppLink } from '../components/app-link';
import { TextField } from '../components/text-field';
import { useSession } from '../session';
import { asTeamgraphError } from '../use-request';

/** /forgot-password: asks for a reset link. The answer never says whether the account exists. */
export function ForgotPasswordPage() {
  const { client } = useSession();
  const [email, setEmail] = useState('');
  const [sentTo, setSentTo] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await client.request(RequestPasswordResetDocument, { email });
      setSentTo(email);
    } catch (caught) {
      setError(asTeamgraphError(caught).message);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="card narrow stack">
      <h1>Reset your password</h1>
      {sentTo ? (
        <p className="success" role="status">
          If an account uses {sentTo}, a link to choose a new password is on its way. It works once,
          for an hour.
        </p>
      ) : (
        <form className="stack" onSubmit={submit}>
          <p>Enter your account&apos;s e-mail address and we will send you a link.</p>
          <TextField
            label="E-mail"
            type="email"
            autoComplete="email"
            value={email}
            onChange={setEmail}
          />
          {error && (
            <p className="error" role="alert">
              {error}
            </p>
          )}
          <div className="actions">
            <button type="submit" disabled={busy}>
              Send the link
            </button>
          </div>
        </form>
      )}
      <p>
        <AppLink to="/login">Back to log in</AppLink>
      </p>
    </section>
  );
}
