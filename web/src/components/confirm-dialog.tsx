import {
  useCallback,
  useEffect,
  useId,
  useRef,
  useState,
  type FormEvent,
  type ReactNode,
} from 'react';
import { asTeamgraphError } from '../use-request';

export interface ConfirmDialogProps {
  title: string;
  /** What happens and what is lost, and any field the step needs (a password, a code). */
  children: ReactNode;
  confirmLabel: string;
  /** Runs on confirm; a thrown error is shown in the dialog, which stays open. */
  onConfirm(): Promise<void> | void;
  onCancel(): void;
  /** Shown in the danger colour: the step cannot be undone. */
  danger?: boolean;
}

/** A question for `useConfirm`: the dialog's props without the answers. */
export interface ConfirmRequest extends Omit<
  ConfirmDialogProps,
  'children' | 'onConfirm' | 'onCancel'
> {
  consequence: ReactNode;
}

/**
 * The one confirmation of the page, on the native <dialog>: showModal() makes the rest of the
 * page inert (focus stays inside), Escape cancels, and focus goes back to the control that
 * opened it. The first field takes focus, or Cancel when there is none, so Enter alone never
 * confirms a step that asks nothing. Fields passed as children submit with it.
 */
export function ConfirmDialog(props: ConfirmDialogProps) {
  const dialog = useRef<HTMLDialogElement>(null);
  const cancel = useRef<HTMLButtonElement>(null);
  const id = useId();
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    const element = dialog.current;
    element?.showModal();
    const firstField = element?.querySelector<HTMLElement>('input, select, textarea');
    (firstField ?? cancel.current)?.focus();
    return () => {
      element?.close();
      opener?.focus();
    };
  }, []);

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
    <dialog
      ref={dialog}
      className="dialog"
      aria-labelledby={`${id}-title`}
      aria-describedby={`${id}-consequence`}
      // Escape fires `cancel`; the dialog is closed by unmounting, so the page stays in charge.
      onCancel={(event) => {
        event.preventDefault();
        props.onCancel();
      }}
    >
      <form onSubmit={submit} className="stack">
        <h2 id={`${id}-title`}>{props.title}</h2>
        <div id={`${id}-consequence`} className="stack">
          {props.children}
        </div>
        {error && (
          <p className="error" role="alert">
            {error}
          </p>
        )}
        <div className="actions">
          <button ref={cancel} type="button" className="secondary" onClick={props.onCancel}>
            Cancel
          </button>
          <button type="submit" className={props.danger ? 'danger' : undefined} disabled={busy}>
            {props.confirmLabel}
          </button>
        </div>
      </form>
    </dialog>
  );
}

/**
 * `confirm(request)` opens the dialog and resolves true or false; render `dialog` where the
 * component renders. One question at a time per component.
 */
export function useConfirm(): {
  confirm(request: ConfirmRequest): Promise<boolean>;
  dialog: ReactNode;
} {
  const [open, setOpen] = useState<{ request: ConfirmRequest; answer(ok: boolean): void } | null>(
    null,
  );
  const confirm = useCallback(
    (request: ConfirmRequest) =>
      new Promise<boolean>((resolve) =>
        setOpen({
          request,
          answer: (ok) => {
            setOpen(null);
            resolve(ok);
          },
        }),
      ),
    [],
  );
  const dialog = open ? (
    <ConfirmDialog
      title={open.request.title}
      confirmLabel={open.request.confirmLabel}
      danger={open.request.danger}
      onConfirm={() => open.answer(true)}
      onCancel={() => open.answer(false)}
    >
      {open.request.consequence}
    </ConfirmDialog>
  ) : null;
  return { confirm, dialog };
}
