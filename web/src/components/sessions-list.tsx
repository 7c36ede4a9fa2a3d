import { useEffect, useState } from 'react';
import {
  MySessionsDocument,
  RevokeOtherSessionsDocument,
  RevokeSessionDocument,
  type MySessionsQuery,
} from '../../../client/generated/graphql';
import { useSession } from '../session';
import { asTeamgraphError, useRequest } from '../use-request';
import { ConfirmDialog } from './confirm-dialog';
import { useRecentAuth } from './recent-auth';

type SessionRow = MySessionsQuery['mySessions'][number];

const when = (iso: string) => new Date(iso).toLocaleString();
const deviceOf = (row: SessionRow) => row.userAgent || 'Unknown device';

/** My sessions, this device marked; end one, or every other one. */
export function SessionsList({ revision }: { revision: number }) {
  const { client, logOut } = useSession();
  const withRecentAuth = useRecentAuth();
  const sessions = useRequest(MySessionsDocument, {});
  const { reload } = sessions;
  // Read again when the account's events say a session began or ended.
  useEffect(() => {
    if (revision) reload();
  }, [revision, reload]);
  const [ending, setEnding] = useState<SessionRow | 'others' | null>(null);
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);

  const rows = sessions.data?.mySessions ?? [];
  const others = rows.filter((row) => !row.current).length;

  const end = async () => {
    setMessage(null);
    try {
      if (ending === 'others') {
        const { revokeOtherSessions } = await withRecentAuth(() =>
          client.request(RevokeOtherSessionsDocument),
        );
        setMessage({
          ok: true,
          text: `${revokeOtherSessions} other session${revokeOtherSessions === 1 ? ' was' : 's were'} ended.`,
        });
      } else if (ending?.current) {
        await logOut();
        return;
      } else if (ending) {
        const id = ending.id;
        await withRecentAuth(() => client.request(RevokeSessionDocument, { id }));
        setMessage({ ok: true, text: `The session on ${deviceOf(ending)} was ended.` });
      }
    } catch (caught) {
      setMessage({ ok: false, text: asTeamgraphError(caught).message });
    }
    setEnding(null);
    sessions.reload();
  };

  return (
    <section className="card stack" aria-labelledby="sessions">
      <h2 id="sessions">Sessions</h2>
      {sessions.error && <p className="error">{sessions.error.message}</p>}
      <ul className="sessions" aria-label="Your sessions">
        {rows.map((row) => (
          <li key={row.id} data-current={row.current || undefined}>
            <div className="wrap">
              <strong>{deviceOf(row)}</strong>{' '}
              {row.current && <span className="tag ok">this device</span>}
            </div>
            <div className="muted">
              Last used {when(row.lastUsedAt)}, signed in {when(row.createdAt)}
            </div>
            <button
              type="button"
              className="secondary small"
              aria-label={row.current ? 'End this session (log out)' : undefined}
              onClick={() => setEnding(row)}
            >
              End this session
            </button>
          </li>
        ))}
      </ul>
      <div className="actions">
        <button
          type="button"
          className="secondary"
          disabled={others === 0}
          onClick={() => setEnding('others')}
        >
          End all other sessions
        </button>
      </div>
      {message && (
        <p className={message.ok ? 'success' : 'error'} role={message.ok ? 'status' : 'alert'}>
          {message.text}
        </p>
      )}
      {ending && (
        <ConfirmDialog
          title={ending === 'others' ? 'End all other sessions' : 'End this session'}
          confirmLabel={ending === 'others' ? 'End them' : 'End it'}
          danger
          onCancel={() => setEnding(null)}
          onConfirm={end}
        >
          <p>
            {ending === 'others'
              ? `Every other device (${others}) is signed out at once; this one stays signed in.`
              : ending.current
                ? 'This device is signed out.'
                : `${deviceOf(ending)} is signed out at once.`}
          </p>
        </ConfirmDialog>
      )}
    </section>
  );
}
