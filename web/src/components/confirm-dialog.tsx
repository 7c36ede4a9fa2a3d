import { useCallback, useEffect, useId, useRef, useState, type ReactNode } from 'react';

export interface ConfirmDialogProps {
  title: string;
  /** What happens, in words a person weighs before saying yes (what is lost, for good). */
  children: ReactNode;
  confirmLabel: string;
  onConfirm(): void;
  onCancel(): void;
  /** Shown in the danger colour: the action cannot be undone. */
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
 * A modal confirmation on the native <dialog>: showModal() makes the rest of the page inert
 * (focus stays inside), Escape cancels, and focus goes back to the control that opened it.
 * The cancel button takes focus first, so Enter alone never confirms.
 */
export function ConfirmDialog({
  title,
  children,
  confirmLabel,
  danger,
  onConfirm,
  onCancel,
}: ConfirmDialogProps) {
  const dialog = useRef<HTMLDialogElement>(null);
  const cancel = useRef<HTMLButtonElement>(null);
  const id = useId();

  useEffect(() => {
    const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    const element = dialog.current;
    element?.showModal();
    cancel.current?.focus();
    return () => {
      element?.close();
      opener?.focus();
    };
  }, []);

  return (
    <dialog
      ref={dialog}
      className="confirm"
      aria-labelledby={`${id}-title`}
      aria-describedby={`${id}-consequence`}
      // Escape fires `cancel`; the dialog is closed by unmounting, so the page stays in charge.
      onCancel={(event) => {
        event.preventDefault();
        onCancel();
      }}
    >
      <h2 id={`${id}-title`}>{title}</h2>
      <div id={`${id}-consequence`}>{children}</div>
      <div className="actions">
        <button ref={cancel} type="button" className="secondary" onClick={onCancel}>
          Cancel
        </button>
        <button type="button" className={danger ? 'danger' : undefined} onClick={onConfirm}>
          {confirmLabel}
        </button>
      </div>
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
