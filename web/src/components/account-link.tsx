import { useEffect, useRef, useState, type ReactNode } from 'react';
import { useSession } from '../session';
import { asTeamgraphError } from '../use-request';
import { useLinkToken } from '../use-link-token';
import { AppLink } from './app-link';

export interface AccountLinkProps {
  title: string;
  /** What the link does, shown before it is used (and next to its button). */
  intro: ReactNode;
  /** Without a label the link is used as soon as the page opens (nothing to lose). */
  actionLabel?: string;
  /** Uses the token; returns what to say once done. */
  use(token: string): Promise<ReactNode>;
  /** Said when the link is not valid any more, with a way on. */
  invalid: ReactNode;
}

/** The page an e-mailed account link opens: signed in or out, it finishes the link's job. */
export function AccountLink(props: AccountLinkProps) {
  const token = useLinkToken();
  const [outcome, setOutcome] = useState<ReactNode>(null);
  const [failure, setFailure] = useState<ReactNode>(null);
  const [busy, setBusy] = useState(false);
  const started = useRef(false);
  const { use, invalid, actionLabel } = props;

  const run = async () => {
    if (started.current) return;
    started.current = true;
    setBusy(true);
    try {
      setOutcome(await use(token));
    } catch (caught) {
      const error = asTeamgraphError(caught);
      setFailure(error.field === 'token' ? invalid : error.message);
      started.current = false;
    } finally {
      setBusy(false);
    }
  };

  useEffect(() => {
    if (!actionLabel && token) void run();
    // Runs once, when the page opens with its token.
  }, []);

  return (
    <section className="card narrow stack" aria-live="polite">
      <h1>{props.title}</h1>
      {!token && !outcome && <p className="error">{invalid}</p>}
      {token && !outcome && !failure && <p>{props.intro}</p>}
      {token && !outcome && !failure && actionLabel && (
        <div className="actions">
          <button onClick={() => void run()} disabled={busy}>
            {actionLabel}
          </button>
        </div>
      )}
      {busy && !actionLabel && <p className="muted">One moment…</p>}
      {outcome && (
        <div className="success" role="status">
          {outcome}
        </div>
      )}
      {failure && (
        <div className="error" role="alert">
          {failure}
        </div>
      )}
      {(outcome || failure || !token) && <WayOn />}
    </section>
  );
}

/** Where to go next: the account when signed in, else the log-in page. */
export function WayOn() {
  const { token } = useSession();
  return (
    <p>
      {token ? (
        <AppLink to="/account">Go to your account</AppLink>
      ) : (
        <AppLink to="/login">Log in</AppLink>
      )}
    </p>
  );
}
