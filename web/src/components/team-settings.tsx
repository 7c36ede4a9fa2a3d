import { useEffect, useRef, useState, type FormEvent } from 'react';
import {
  DeleteTeamDocument,
  LeaveTeamDocument,
  RenameTeamDocument,
  SetTwoFactorRequiredDocument,
  TeamSettingsDocument,
  TransferOwnershipDocument,
  type Role,
} from '../../../client/generated/graphql';
import { navigate } from '../router';
import { useSession } from '../session';
import { asTeamgraphError, useRequest } from '../use-request';
import { useConfirm } from './confirm-dialog';

interface Props {
  teamId: string;
  teamName: string;
  myRole: Role;
  myId: string | undefined;
  members: { id: string; displayName: string }[];
  /** Bumped by live activity that changes these settings (requirement, ownership). */
  revision: number;
  disabled: boolean;
  onChanged(): void;
}

/** What the API lets each role do to the team itself; the irreversible steps ask first. */
export function TeamSettings(props: Props) {
  const { teamId, teamName, myRole, myId, members, revision, disabled, onChanged } = props;
  const { client } = useSession();
  const { confirm, dialog } = useConfirm();
  const settings = useRequest(TeamSettingsDocument, { teamId });
  const { reload } = settings;
  const [name, setName] = useState(teamName);
  const [newOwner, setNewOwner] = useState('');
  const [status, setStatus] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const loadedRevision = useRef(revision);

  useEffect(() => {
    if (loadedRevision.current === revision) return;
    loadedRevision.current = revision;
    reload();
  }, [revision, reload]);
  useEffect(() => setName(teamName), [teamName]);

  const isOwner = myRole === 'OWNER';
  const manages = isOwner || myRole === 'ADMIN';
  const others = members.filter((m) => m.id !== myId);
  const required = settings.data?.team.twoFactorRequired ?? false;
  const myTwoFactor = settings.data?.me?.twoFactorEnabled ?? false;

  const act = async (work: () => Promise<string | null>) => {
    setStatus(null);
    setError(null);
    try {
      const done = await work();
      if (done !== null) {
        setStatus(done);
        onChanged();
        reload();
      }
    } catch (caught) {
      setError(asTeamgraphError(caught).message);
    }
  };

  const rename = (event: FormEvent) => {
    event.preventDefault();
    void act(async () => {
      const { renameTeam } = await client.request(RenameTeamDocument, { teamId, name });
      return `The team is now called ${renameTeam.name}.`;
    });
  };

  const transfer = () =>
    act(async () => {
      const target = members.find((m) => m.id === newOwner);
      if (!target) return null;
      const ok = await confirm({
        title: `Make ${target.displayName} the owner of ${teamName}?`,
        consequence: (
          <p>
            {target.displayName} becomes the team&apos;s only owner and you become an admin. Only
            the new owner can delete the team, change roles or give ownership back.
          </p>
        ),
        confirmLabel: `Transfer to ${target.displayName}`,
        danger: true,
      });
      if (!ok) return null;
      await client.request(TransferOwnershipDocument, { teamId, userId: target.id });
      setNewOwner('');
      return `${target.displayName} is now the owner; you are an admin.`;
    });

  const requireTwoFactor = (next: boolean) =>
    act(async () => {
      const ok = await confirm(
        next
          ? {
              title: `Require two-factor for everyone in ${teamName}?`,
              consequence: (
                <p>
                  Members who have not turned on two-factor are held out of the team&apos;s data and
                  live activity until they do. Nobody is removed.
                </p>
              ),
              confirmLabel: 'Require two-factor',
            }
          : {
              title: `Stop requiring two-factor in ${teamName}?`,
              consequence: <p>Members without two-factor get the team back at once.</p>,
              confirmLabel: 'Stop requiring it',
            },
      );
      if (!ok) return null;
      await client.request(SetTwoFactorRequiredDocument, { teamId, required: next });
      return next
        ? 'Two-factor is now required in this team.'
        : 'Two-factor is no longer required.';
    });

  const leave = () =>
    act(async () => {
      const ok = await confirm({
        title: `Leave ${teamName}?`,
        consequence: (
          <p>
            You lose access at once to its activity, items and members. Only a new invitation brings
            you back.
          </p>
        ),
        confirmLabel: `Leave ${teamName}`,
        danger: true,
      });
      if (!ok) return null;
      await client.request(LeaveTeamDocument, { teamId });
      navigate('/teams', { notice: `You left ${teamName}.` });
      return null;
    });

  const remove = () =>
    act(async () => {
      const ok = await confirm({
        title: `Delete ${teamName}?`,
        consequence: (
          <p>
            Every item, the whole activity log, every membership and every pending invitation of{' '}
            {teamName} are deleted for everyone, now. Members&apos; open pages stop. This cannot be
            undone (only an operator&apos;s backup, kept at most a month, still holds it).
          </p>
        ),
        confirmLabel: `Delete ${teamName} and its data`,
        danger: true,
      });
      if (!ok) return null;
      await client.request(DeleteTeamDocument, { teamId });
      navigate('/teams', { notice: `You deleted ${teamName}; its data is gone.` });
      return null;
    });

  return (
    <section className="settings">
      <h2>Team settings</h2>
      {manages && (
        <form className="inline" onSubmit={rename}>
          <label>
            Team name
            <input
              required
              maxLength={100}
              value={name}
              disabled={disabled}
              onChange={(e) => setName(e.target.value)}
            />
          </label>
          <button type="submit" disabled={disabled || name.trim() === teamName}>
            Rename
          </button>
        </form>
      )}
      {isOwner && (
        <>
          <h3>Ownership</h3>
          <div className="inline">
            <label>
              New owner
              <select
                value={newOwner}
                disabled={disabled || others.length === 0}
                onChange={(e) => setNewOwner(e.target.value)}
              >
                <option value="">choose a member</option>
                {others.map((m) => (
                  <option key={m.id} value={m.id}>
                    {m.displayName}
                  </option>
                ))}
              </select>
            </label>
            <button disabled={disabled || !newOwner} onClick={() => void transfer()}>
              Transfer ownership
            </button>
          </div>
          <h3>Two-factor</h3>
          <p data-testid="two-factor-requirement">
            {required
              ? 'Everyone in this team must have two-factor on to see its data.'
              : 'Two-factor is not required in this team.'}
          </p>
          {!myTwoFactor && !required && (
            <p className="muted">Turn on two-factor for your own account before requiring it.</p>
          )}
          <button
            className="secondary"
            disabled={disabled || !settings.data || (!required && !myTwoFactor)}
            onClick={() => void requireTwoFactor(!required)}
          >
            {required ? 'Stop requiring two-factor' : 'Require two-factor'}
          </button>
        </>
      )}
      <h3>Leave or delete</h3>
      {isOwner ? (
        <>
          <p className="muted">
            The owner cannot leave: transfer ownership first, or delete the team.
          </p>
          <button className="danger" disabled={disabled} onClick={() => void remove()}>
            Delete team
          </button>
        </>
      ) : (
        <button className="danger" disabled={disabled} onClick={() => void leave()}>
          Leave team
        </button>
      )}
      {status && (
        <p className="muted" role="status">
          {status}
        </p>
      )}
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {dialog}
    </section>
  );
}
