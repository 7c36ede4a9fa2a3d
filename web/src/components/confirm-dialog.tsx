import { useEffect, useId, useRef, useState, type FormEvent, type ReactNode } from 'react';
import { asTeamgraphError } from '../use-request';

export interface ConfirmDialogProps {
  title: string;
  /** What happens, and what is lost. */
  children: ReactNode;
  confirmLabel: string;
  /** Runs on confirm; a thrown error is shown in the dialog, which stays open. */
  onConfirm(): Promise<void> | void;
  onCancel(): void;
  /** Marks the confirm button as destructive. */
  danger?: boolean;
}

/**
 * A modal confirmation on the native <dialog>: the browser traps focus, Escape cancels, and the
 * first field (or the cancel button) takes focus. Fields passed as children submit with it.
 */
export function ConfirmDialog(props: ConfirmDialogProps) {
  const dialog = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const { onCancel } = props;

  useEffect(() => {
    const element = dialog.current;
    if (element && !element.open) element.showModal();
    const cancel = (event: Event) => {
      event.preventDefault();
      onCancel();
    };
    element?.addEventListener('cancel', cancel);
    return () => element?.removeEventListener('cancel', cancel);
  }, [onCancel]);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await props.onConfirm();
    } catch (caught) {
      setError(asTeamgraphError(caught).message);
    } finally {
      setBusy(false);
    }
  };

  return (
    <dialog ref={dialog} className="dialog" aria-labelledby={titleId}>
      <form onSubmit={submit} className="stack">
        <h2 id={titleId}>{props.title}</h2>
        {props.children}
        {error && (
          <p className="error" role="alert">
            {error}
          </p>
        )}
        <div className="actions">
          <button type="submit" className={props.danger ? 'danger' : undefined} disabled={busy}>
            {props.confirmLabel}
          </button>
          <button type="button" className="secondary" onClick={props.onCancel}>
            Cancel
          </button>
        </div>
      </form>
    </dialog>
  );
}
