import { useEffect, useState, type FormEvent } from 'react';
import {
  CreateItemDocument,
  DeleteItemDocument,
  ItemDocument,
  TeamItemsDocument,
  UpdateItemDocument,
  type ItemFieldsFragment,
  type Role,
} from '../../../client/generated/graphql';
import { useSession } from '../session';
import { asTeamgraphError, useRequest } from '../use-request';

interface Props {
  teamId: string;
  myRole: Role;
  myId: string | undefined;
  /** Grows with every live item change, so the list reloads. */
  revision: number;
  disabled: boolean;
}

const parseContent = (text: string): Record<string, unknown> => {
  const value: unknown = JSON.parse(text || '{}');
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new Error('Content must be a JSON object, e.g. {"notes": "…"}');
  return value as Record<string, unknown>;
};

export function Items({ teamId, myRole, myId, revision, disabled }: Props) {
  const { client } = useSession();
  const items = useRequest(TeamItemsDocument, { teamId, first: 100 });
  const { reload } = items;
  useEffect(() => {
    if (revision > 0) reload();
  }, [revision, reload]);
  const [title, setTitle] = useState('');
  const [error, setError] = useState<string | null>(null);

  const create = async (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    try {
      await client.request(CreateItemDocument, { teamId, input: { title, content: {} } });
      setTitle('');
      items.reload();
    } catch (caught) {
      setError(asTeamgraphError(caught).message);
    }
  };

  const list = items.data?.team.items.edges.map((e) => e.node) ?? [];
  return (
    <section className="items">
      <h2>
        Items {items.data && <span className="muted">({items.data.team.items.totalCount})</span>}
      </h2>
      {!disabled && (
        <form onSubmit={create} className="inline" data-testid="create-item">
          <input
            aria-label="New item title"
            placeholder="New item title"
            required
            maxLength={200}
            value={title}
            onChange={(e) => setTitle(e.target.value)}
          />
          <button type="submit">Add item</button>
        </form>
      )}
      {error && <p className="error">{error}</p>}
      <ul data-testid="items">
        {list.map((item) => (
          <ItemRow
            key={item.id}
            item={item}
            canDelete={myRole !== 'MEMBER' || item.createdBy.id === myId}
            disabled={disabled}
            onChanged={items.reload}
          />
        ))}
      </ul>
    </section>
  );
}

/** One item; edits carry the version they started from, and a conflict is shown, not lost. */
function ItemRow(props: {
  item: ItemFieldsFragment;
  canDelete: boolean;
  disabled: boolean;
  onChanged(): void;
}) {
  const { client } = useSession();
  const [editing, setEditing] = useState(false);
  const [base, setBase] = useState(props.item);
  const [title, setTitle] = useState(props.item.title);
  const [content, setContent] = useState(JSON.stringify(props.item.content));
  const [problem, setProblem] = useState<string | null>(null);
  const [conflict, setConflict] = useState<ItemFieldsFragment | null>(null);

  const startEditing = () => {
    setBase(props.item);
    setTitle(props.item.title);
    setContent(JSON.stringify(props.item.content));
    setConflict(null);
    setEditing(true);
  };

  const save = async (event: FormEvent) => {
    event.preventDefault();
    setProblem(null);
    // After a conflict the reader chose to save over the version they were shown.
    const from = conflict ?? base;
    try {
      await client.request(UpdateItemDocument, {
        id: from.id,
        input: { title, content: parseContent(content) },
        expectedVersion: from.version,
      });
      setConflict(null);
      setEditing(false);
      props.onChanged();
    } catch (caught) {
      const error = asTeamgraphError(caught);
      if (error.code === 'CONFLICT') {
        // Someone saved first: show their version, keep my draft, save on top when I choose.
        const { item } = await client.request(ItemDocument, { id: from.id });
        setConflict(item);
      } else setProblem(error.message);
    }
  };

  const remove = async () => {
    try {
      await client.request(DeleteItemDocument, {
        id: props.item.id,
        expectedVersion: props.item.version,
      });
      props.onChanged();
    } catch (caught) {
      setProblem(asTeamgraphError(caught).message);
    }
  };

  const { item } = props;
  if (!editing)
    return (
      <li data-item={item.id}>
        <span className="title">{item.title}</span>{' '}
        <span className="muted">
          v{item.version} · {item.updatedBy.displayName}
        </span>
        {!props.disabled && (
          <>
            <button className="secondary small" onClick={startEditing}>
              Edit
            </button>
            {props.canDelete && (
              <button className="secondary small" onClick={remove}>
                Delete
              </button>
            )}
          </>
        )}
        {problem && <p className="error">{problem}</p>}
      </li>
    );
  return (
    <li data-item={item.id}>
      <form onSubmit={save} className="edit">
        <input aria-label="Title" value={title} onChange={(e) => setTitle(e.target.value)} />
        <textarea
          aria-label="Content (JSON)"
          value={content}
          onChange={(e) => setContent(e.target.value)}
        />
        {conflict && (
          <p className="warning" role="alert" data-testid="conflict">
            {conflict.updatedBy.displayName} saved version {conflict.version} (“{conflict.title}”)
            while you were editing. Your changes are still here: save again to replace theirs, or
            cancel.
          </p>
        )}
        <button type="submit">{conflict ? 'Save over their version' : 'Save'}</button>
        <button type="button" className="secondary" onClick={() => setEditing(false)}>
          Cancel
        </button>
        {problem && <p className="error">{problem}</p>}
      </form>
    </li>
  );
}
