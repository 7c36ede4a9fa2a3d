import type { ForkReport, LogTamperReport } from '../../../client/src';
import type { LogVerificationState } from '../use-log-verification';

const at = (timestamp: string) => (
  <time dateTime={timestamp}>{new Date(timestamp).toLocaleString()}</time>
);

function ForkAlert({ fork }: { fork: ForkReport }) {
  const { kept, other } = fork;
  return (
    <p className="warning" role="alert" data-testid="log-alert">
      The server showed this team&apos;s log in two versions that cannot both be true: the
      checkpoint of {kept.treeSize} rows signed at {at(kept.timestamp)} and the one of{' '}
      {other.treeSize} rows signed at {at(other.timestamp)} ({fork.message}). Keep this page&apos;s
      evidence and tell your team.
    </p>
  );
}

function TamperAlert({ tamper }: { tamper: LogTamperReport }) {
  return (
    <p className="warning" role="alert" data-testid="log-alert">
      {tamper.seq === undefined
        ? 'A checkpoint of this team’s log failed verification'
        : `Row #${tamper.seq} failed verification against the checkpoint of ${tamper.checkpoint.treeSize} rows`}
      : {tamper.message}. The log shown here may have been altered on the server.
    </p>
  );
}

/**
 * The team log's verification, as the kit checks it while the page follows the team: verified up
 * to which row, when that checkpoint was signed and how many members witnessed it; an alert
 * naming what failed when a row, a proof or a checkpoint does not verify, or the server forked.
 */
export function LogVerification({ log }: { log: LogVerificationState }) {
  const { verified, tamper, fork } = log;
  return (
    <section className="log-verification" aria-label="Log verification">
      {fork && <ForkAlert fork={fork} />}
      {tamper && <TamperAlert tamper={tamper} />}
      {verified ? (
        <p className="muted" data-testid="log-verified">
          Verified up to row {verified.verifiedSeq}, signed at {at(verified.checkpoint.timestamp)}
          {verified.witnesses === undefined
            ? ''
            : `, witnessed by ${verified.witnesses} member${verified.witnesses === 1 ? '' : 's'}`}
          .
        </p>
      ) : (
        !tamper &&
        !fork && (
          <p className="muted" data-testid="log-verified">
            Checking the log against the server&apos;s signed checkpoints…
          </p>
        )
      )}
    </section>
  );
}
