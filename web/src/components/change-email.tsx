import { useState, type FormEvent } from 'react';
import {
  RequestEmailChangeDocument,
  ResendVerificationEmailDocument,
} from '../../../client/generated/graphql';
import { useSession } from '../session';
import { asTeamgraphError } from '../use-request';
import { TextField } from './text-field';

/** The address, whether it is verified, and moving the account to another one. */
export function ChangeEmail({ email, verified }: { email: string; verified: boolean }) {
  const { client } = useSession();
  const [newEmail, setNewEmail] = useState('');
  const [password, setPassword] = useState('');
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  const [busy, setBusy] = useState(false);

  const run = async (work: () => Promise<string>) => {
    setBusy(true);
    setMessage(null);
    try {
      setMessage({ ok: true, text: await work() });
    } catch (caught) {
      setMessage({ ok: false, text: asTeamgraphError(caught).message });
    } finally {
      setBusy(false);
    }
  };

  const submit = (event: FormEvent) => {
    event.preventDefault();
    void run(async () => {
      await client.request(RequestEmailChangeDocument, { newEmail, password });
      setPassword('');
      return `We sent a confirmation link to ${newEmail}. Until you open it, your address stays ${email}.`;
    });
  };

  const resend = () =>
    void run(async () => {
      await client.request(ResendVerificationEmailDocument);
      return `We sent a new verification link to ${email}.`;
    });

  return (
    <section className="card stack" aria-labelledby="email-heading">
      <h2 id="email-heading">E-mail address</h2>
      <p className="wrap">
        <strong>{email}</strong>{' '}
        {verified ? (
          <span className="tag ok">verified</span>
        ) : (
          <span className="tag">not verified yet</span>
        )}
      </p>
      {!verified && (
        <div className="actions">
          <button type="button" className="secondary" onClick={resend} disabled={busy}>
            Send a new verification link
          </button>
        </div>
      )}
      <form className="stack" onSubmit={submit}>
        <TextField
          label="New e-mail address"
          type="email"
          autoComplete="email"
          value={newEmail}
          onChange={setNewEmail}
        />
        <TextField
          label="Password"
          type="password"
          autoComplete="current-password"
          value={password}
          onChange={setPassword}
        />
        <div className="actions">
          <button type="submit" disabled={busy}>
            Change e-mail address
          </button>
        </div>
      </form>
      {message && (
        <p className={message.ok ? 'success' : 'error'} role={message.ok ? 'status' : 'alert'}>
          {message.text}
        </p>
      )}
    </section>
  );
}
