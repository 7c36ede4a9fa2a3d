import { useMemo, useState } from 'react';
import type {
  ActivityHandlers,
  ForkReport,
  LogTamperReport,
  LogVerifiedReport,
} from '../../client/src';

/** What the page shows of the log's checks (docs/log-verification.md, "The web page"). */
export interface LogVerificationState {
  /** The newest checkpoint every shown row was checked against, with its witness count. */
  verified: LogVerifiedReport | null;
  /** The first failure, kept: a later success does not hide it. */
  tamper: LogTamperReport | null;
  fork: ForkReport | null;
}

/** The state, and the handlers that feed it from a team follow. */
export function useLogVerification(): [
  LogVerificationState,
  Required<Pick<ActivityHandlers, 'onVerified' | 'onFork'>> & {
    onLogTamper(report: LogTamperReport): void;
    reset(): void;
  },
] {
  const [verified, setVerified] = useState<LogVerifiedReport | null>(null);
  const [tamper, setTamper] = useState<LogTamperReport | null>(null);
  const [fork, setFork] = useState<ForkReport | null>(null);
  const handlers = useMemo(
    () => ({
      onVerified: (report: LogVerifiedReport) =>
        setVerified((shown) =>
          // A witness count arrives after the verification of the same checkpoint.
          shown && shown.verifiedSeq > report.verifiedSeq ? shown : report,
        ),
      onFork: (report: ForkReport) => setFork((shown) => shown ?? report),
      onLogTamper: (report: LogTamperReport) => setTamper((shown) => shown ?? report),
      reset: () => {
        setVerified(null);
        setTamper(null);
        setFork(null);
      },
    }),
    [],
  );
  return [{ verified, tamper, fork }, handlers];
}
