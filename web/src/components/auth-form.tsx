import { useState, type FormEvent } from 'react';
import { LogInDocument, SignUpDocument } from '../../../client/generated/graphql';
import { useSession } from '../session';
import { asTeamgraphError } from '../use-request';
import { AppLink } from './app-link';

/** Sign up or log in; on success the session holds the new token. */
export function AuthForm({ initialMode }: { initialMode: 'signup' | 'login' }) {
  const { client, signIn, endedReason } = useSession();
  const [mode, setMode] = useState(initialMode);
  const [email, setEmail] = useState('');
  const [displayName, setDisplayName] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  // Shown once the password was right and the account has two-factor on.
  const [secondFactor, setSecondFactor] = useState<'none' | 'totp' | 'recovery'>('none');
  const [code, setCode] = useState('');

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const token =
        mode === 'signup'
          ? (await client.request(SignUpDocument, { input: { email, displayName, password } }))
              .signUp.token
          : (
              await client.request(LogInDocument, {
                email,
                password,
                code: secondFactor === 'none' ? null : code,
              })
            ).logIn.token;
      signIn(token);
    } catch (caught) {
      const failure = asTeamgraphError(caught);
      if (failure.code === 'TWO_FACTOR_REQUIRED' && secondFactor === 'none') {
        setSecondFactor('totp');
        return;
      }
      setError(failure.message);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="card auth" onSubmit={submit} data-testid={`${mode}-form`}>
      <h1>{mode === 'signup' ? 'Create your account' : 'Log in'}</h1>
      {endedReason && mode === 'login' && (
        <p className="notice" role="alert">
          {endedReason}
        </p>
      )}
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
      {mode === 'login' && secondFactor !== 'none' && (
        <>
          <Field
            label={secondFactor === 'totp' ? 'Code from your authenticator app' : 'Recovery code'}
            name="code"
            value={code}
            onChange={setCode}
            autoFocus
          />
          <button
            type="button"
            className="link"
            onClick={() => {
              setCode('');
              setSecondFactor(secondFactor === 'totp' ? 'recovery' : 'totp');
            }}
          >
            {secondFactor === 'totp'
              ? 'Use a recovery code instead'
              : 'Use a code from the app instead'}
          </button>
        </>
      )}
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
      {mode === 'login' && (
        <p className="muted">
          <AppLink to="/forgot-password">Forgot your password?</AppLink>
        </p>
      )}
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
  autoFocus?: boolean;
}) {
  return (
    <label>
      {props.label}
      <input
        name={props.name}
        type={props.type}
        required
        autoFocus={props.autoFocus}
        autoComplete={props.name === 'code' ? 'one-time-code' : undefined}
        value={props.value}
        onChange={(e) => props.onChange(e.target.value)}
      />
    </label>
  );
}
