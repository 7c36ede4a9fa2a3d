import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { Activity } from '../../../client/src';
import { ACTIVITY_ACTIONS, ACTIVITY_GROUPS } from '../../../entities/activity-actions';
import {
  ActivityPageDocument,
  type ActivityAction,
  type ActivityFilter,
} from '../../../client/generated/graphql';
import { useSession } from '../session';
import { asTeamgraphError } from '../use-request';

const PAGE_SIZE = 25;

const ACTIONS = Object.keys(ACTIVITY_ACTIONS) as (keyof typeof ACTIVITY_ACTIONS)[];

/** The filter's choices: groups of actions a reader thinks in (each action names its group). */
const ACTION_GROUPS: Record<string, ActivityAction[]> = Object.fromEntries(
  ACTIVITY_GROUPS.map((group) => [
    group,
    ACTIONS.filter((action) => ACTIVITY_ACTIONS[action].group === group),
  ]),
);

interface Props {
  teamId: string;
  members: { id: string; displayName: string }[];
  /** Rows that arrived live, newest first (from the kit). */
  live: Activity[];
  lastReadSeq: number;
  myId: string | undefined;
}

const matches = (activity: Activity, filter: ActivityFilter) =>
  (!filter.actions?.length || filter.actions.includes(activity.action)) &&
  (!filter.actorId || activity.actor?.id === filter.actorId);

/** Newest first: live rows on top, older pages loaded as the reader scrolls (keyset cursor). */
export function ActivityFeed({ teamId, members, live, lastReadSeq, myId }: Props) {
  const { client } = useSession();
  const [group, setGroup] = useState('');
  const [actorId, setActorId] = useState('');
  const filter = useMemo<ActivityFilter>(
    () => ({
      ...(group ? { actions: ACTION_GROUPS[group] } : {}),
      ...(actorId ? { actorId } : {}),
    }),
    [group, actorId],
  );
  const [history, setHistory] = useState<Activity[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [hasMore, setHasMore] = useState(true);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const sentinel = useRef<HTMLLIElement>(null);
  const generation = useRef(0);

  const loadMore = useCallback(
    async (reset = false) => {
      const mine = reset ? ++generation.current : generation.current;
      setLoading(true);
      try {
        const page = await client.request(ActivityPageDocument, {
          teamId,
          first: PAGE_SIZE,
          after: reset ? null : cursor,
          filter,
        });
        if (mine !== generation.current) return;
        const rows = page.team.activity.edges.map((e) => e.node);
        setHistory((old) => (reset ? rows : [...old, ...rows]));
        setCursor(page.team.activity.pageInfo.endCursor ?? null);
        setHasMore(page.team.activity.pageInfo.hasNextPage);
      } catch (caught) {
        setError(asTeamgraphError(caught).message);
      } finally {
        if (mine === generation.current) setLoading(false);
      }
    },
    [client, teamId, filter, cursor],
  );

  // A new filter starts over from the newest row.
  useEffect(() => {
    void loadMore(true);
    // Only the team and the filter restart the list; loadMore changes with every page.
  }, [teamId, filter]);

  useEffect(() => {
    const target = sentinel.current;
    if (!target || !hasMore) return;
    const observer = new IntersectionObserver((entries) => {
      if (entries.some((e) => e.isIntersecting) && !loading) void loadMore();
    });
    observer.observe(target);
    return () => observer.disconnect();
  }, [hasMore, loading, loadMore]);

  const rows = useMemo(() => {
    const bySeq = new Map<number, Activity>();
    for (const row of [...live.filter((a) => matches(a, filter)), ...history])
      if (!bySeq.has(row.seq)) bySeq.set(row.seq, row);
    return [...bySeq.values()].sort((a, b) => b.seq - a.seq);
  }, [live, history, filter]);

  return (
    <section className="feed">
      <div className="filters">
        <label>
          Show
          <select
            value={group}
            onChange={(e) => setGroup(e.target.value)}
            data-testid="filter-action"
          >
            <option value="">everything</option>
            {Object.keys(ACTION_GROUPS).map((g) => (
              <option key={g} value={g}>
                {g.toLowerCase()}
              </option>
            ))}
          </select>
        </label>
        <label>
          by
          <select
            value={actorId}
            onChange={(e) => setActorId(e.target.value)}
            data-testid="filter-member"
          >
            <option value="">anyone</option>
            {members.map((m) => (
              <option key={m.id} value={m.id}>
                {m.displayName}
              </option>
            ))}
          </select>
        </label>
      </div>
      {error && <p className="error">{error}</p>}
      <ol className="activity" data-testid="activity-list">
        {rows.map((a) => (
          <li
            key={a.seq}
            data-seq={a.seq}
            className={a.seq > lastReadSeq && a.actor?.id !== myId ? 'unread' : undefined}
          >
            <span className="action">{ACTIVITY_ACTIONS[a.action].label}</span>{' '}
            <span className="what">{a.summary}</span>
            <time dateTime={a.createdAt}>{new Date(a.createdAt).toLocaleString()}</time>
          </li>
        ))}
        {hasMore && (
          <li ref={sentinel} className="muted">
            {loading ? 'Loading older activity…' : 'Scroll for more'}
          </li>
        )}
        {!hasMore && rows.length > 0 && (
          <li className="muted">That is the beginning of the team.</li>
        )}
      </ol>
    </section>
  );
}
