import { useState, type FormEvent } from 'react';
import {
  BeginTwoFactorSetupDocument,
  ConfirmTwoFactorSetupDocument,
  DisableTwoFactorDocument,
  RegenerateRecoveryCodesDocument,
} from '../../../client/generated/graphql';
import { useSession } from '../session';
import { asTeamgraphError } from '../use-request';
import { ConfirmDialog } from './confirm-dialog';
import { CurrentPasswordField, SecondFactorField } from './identity-fields';
import { QrCode } from './qr-code';
import { useRecentAuth } from './recent-auth';
import { RecoveryCodes } from './recovery-codes';
import { TextField } from './text-field';

type Step =
  | { kind: 'idle' }
  | { kind: 'setup'; secret: string; otpauthUri: string }
  | { kind: 'codes'; codes: string[] }
  | { kind: 'renew' }
  | { kind: 'disable' };

/** Turning two-factor on (QR code, key, a code to confirm), new recovery codes, turning it off. */
export function TwoFactorSettings({ enabled, onChanged }: { enabled: boolean; onChanged(): void }) {
  const { client } = useSession();
  const withRecentAuth = useRecentAuth();
  const [step, setStep] = useState<Step>({ kind: 'idle' });
  const [code, setCode] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [message, setMessage] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const reset = (next: Step) => {
    setStep(next);
    setCode('');
    setPassword('');
    setError(null);
  };

  const begin = async () => {
    setBusy(true);
    setError(null);
    setMessage(null);
    try {
      const { beginTwoFactorSetup } = await withRecentAuth(() =>
        client.request(BeginTwoFactorSetupDocument),
      );
      reset({ kind: 'setup', ...beginTwoFactorSetup });
    } catch (caught) {
      setError(asTeamgraphError(caught).message);
    } finally {
      setBusy(false);
    }
  };

  const confirmSetup = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const { confirmTwoFactorSetup } = await withRecentAuth(() =>
        client.request(ConfirmTwoFactorSetupDocument, { code }),
      );
      reset({ kind: 'codes', codes: confirmTwoFactorSetup });
      onChanged();
    } catch (caught) {
      setError(asTeamgraphError(caught).message);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="card stack" aria-labelledby="two-factor">
      <h2 id="two-factor">Two-factor sign-in</h2>
      <p>
        {enabled
          ? 'Two-factor sign-in is on: logging in takes a code from your authenticator app.'
          : 'Two-factor sign-in is off. Turn it on so that a password alone cannot open your account.'}
      </p>

      {!enabled && step.kind === 'idle' && (
        <div className="actions">
          <button type="button" onClick={() => void begin()} disabled={busy}>
            Turn on two-factor
          </button>
        </div>
      )}

      {step.kind === 'setup' && (
        <form className="stack" onSubmit={confirmSetup}>
          <p>Scan this QR code with your authenticator app, or type the key into it.</p>
          <QrCode text={step.otpauthUri} label="QR code for your authenticator app" />
          <p className="wrap">
            Key: <code data-secret>{step.secret}</code>
          </p>
          <TextField
            label="Code from the app"
            autoComplete="one-time-code"
            inputMode="numeric"
            value={code}
            onChange={setCode}
          />
          <div className="actions">
            <button type="submit" disabled={busy}>
              Confirm and turn on
            </button>
            <button type="button" className="secondary" onClick={() => reset({ kind: 'idle' })}>
              Cancel
            </button>
          </div>
        </form>
      )}

      {step.kind === 'codes' && (
        <RecoveryCodes codes={step.codes} onDone={() => reset({ kind: 'idle' })} />
      )}

      {enabled && step.kind === 'idle' && (
        <div className="actions">
          <button type="button" className="secondary" onClick={() => reset({ kind: 'renew' })}>
            New recovery codes
          </button>
          <button type="button" className="secondary" onClick={() => reset({ kind: 'disable' })}>
            Turn off two-factor
          </button>
        </div>
      )}

      {step.kind === 'renew' && (
        <ConfirmDialog
          title="Make new recovery codes"
          confirmLabel="Make new codes"
          onCancel={() => reset({ kind: 'idle' })}
          onConfirm={async () => {
            const { regenerateRecoveryCodes } = await withRecentAuth(() =>
              client.request(RegenerateRecoveryCodesDocument, { code }),
            );
            reset({ kind: 'codes', codes: regenerateRecoveryCodes });
          }}
        >
          <p>Your current recovery codes stop working.</p>
          <SecondFactorField value={code} onChange={setCode} />
        </ConfirmDialog>
      )}

      {step.kind === 'disable' && (
        <ConfirmDialog
          title="Turn off two-factor sign-in"
          confirmLabel="Turn off two-factor"
          danger
          onCancel={() => reset({ kind: 'idle' })}
          onConfirm={async () => {
            await client.request(DisableTwoFactorDocument, { password, code });
            reset({ kind: 'idle' });
            setMessage('Two-factor sign-in is off. Your recovery codes no longer work.');
            onChanged();
          }}
        >
          <p>Logging in will take your password alone, and your recovery codes stop working.</p>
          <CurrentPasswordField value={password} onChange={setPassword} />
          <SecondFactorField value={code} onChange={setCode} />
        </ConfirmDialog>
      )}

      {message && (
        <p className="success" role="status">
          {message}
        </p>
      )}
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
    </section>
  );
}
