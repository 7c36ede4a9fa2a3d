import { useState, type FormEvent } from 'react';
import { ChangePasswordDocument } from '../../../client/generated/graphql';
import { useSession } from '../session';
import { asTeamgraphError } from '../use-request';
import { PASSWORD_RULES, TextField } from './text-field';

/** Change the password; the server ends every other session. */
export function ChangePassword() {
  const { client } = useSession();
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setMessage(null);
    try {
      await client.request(ChangePasswordDocument, { currentPassword: current, newPassword: next });
      setCurrent('');
      setNext('');
      setMessage({ ok: true, text: 'Password changed. Your other sessions were ended.' });
    } catch (caught) {
      setMessage({ ok: false, text: asTeamgraphError(caught).message });
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="card stack" aria-labelledby="change-password">
      <h2 id="change-password">Change your password</h2>
      <form className="stack" onSubmit={submit}>
        <TextField
          label="Current password"
          type="password"
          autoComplete="current-password"
          value={current}
          onChange={setCurrent}
        />
        <TextField
          label="New password"
          type="password"
          autoComplete="new-password"
          value={next}
          onChange={setNext}
          hint={PASSWORD_RULES}
        />
        {message && (
          <p className={message.ok ? 'success' : 'error'} role={message.ok ? 'status' : 'alert'}>
            {message.text}
          </p>
        )}
        <div className="actions">
          <button type="submit" disabled={busy}>
            Change password
          </button>
        </div>
      </form>
    </section>
  );
}
