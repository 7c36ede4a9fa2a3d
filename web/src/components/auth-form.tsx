import { useState, type FormEvent } from 'react';
import { LogInDocument, SignUpDocument } from '../../../client/generated/graphql';
import { useSession } from '../session';
import { asTeamgraphError } from '../use-request';

/** Sign up or log in; on success the session holds the new token. */
export function AuthForm({ initialMode }: { initialMode: 'signup' | 'login' }) {
  const { client, signIn } = useSession();
  const [mode, setMode] = useState(initialMode);
  const [email, setEmail] = useState('');
  const [displayName, setDisplayName] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const token =
        mode === 'signup'
          ? (await client.request(SignUpDocument, { input: { email, displayName, password } }))
              .signUp.token
          : (await client.request(LogInDocument, { email, password })).logIn.token;
      signIn(token);
    } catch (caught) {
      setError(asTeamgraphError(caught).message);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="card auth" onSubmit={submit} data-testid={`${mode}-form`}>
      <h1>{mode === 'signup' ? 'Create your account' : 'Log in'}</h1>
      <Field label="E-mail" name="email" type="email" value={email} onChange={setEmail} />
      {mode === 'signup' && (
        <Field label="Your name" name="displayName" value={displayName} onChange={setDisplayName} />
      )}
      <Field
        label="Password"
        name="password"
        type="password"
        value={password}
        onChange={setPassword}
      />
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <button type="submit" disabled={busy}>
        {mode === 'signup' ? 'Sign up' : 'Log in'}
      </button>
      <p className="muted">
        {mode === 'signup' ? 'Already have an account? ' : 'New here? '}
        <button
          type="button"
          className="link"
          onClick={() => setMode(mode === 'signup' ? 'login' : 'signup')}
        >
          {mode === 'signup' ? 'Log in' : 'Sign up'}
        </button>
      </p>
    </form>
  );
}

/** A labelled, required input bound to one piece of the form's state. */
function Field(props: {
  label: string;
  name: string;
  type?: 'email' | 'password';
  value: string;
  onChange: (value: string) => void;
}) {
  return (
    <label>
      {props.label}
      <input
        name={props.name}
        type={props.type}
        required
        value={props.value}
        onChange={(e) => props.onChange(e.target.value)}
      />
    </label>
  );
}
