import { useId, type HTMLInputAutoCompleteAttribute } from 'react';

/** A labelled input bound to one piece of a form's state; `hint` is read out with it. */
export function TextField(props: {
  label: string;
  value: string;
  onChange(value: string): void;
  type?: 'email' | 'password' | 'text';
  autoComplete?: HTMLInputAutoCompleteAttribute;
  required?: boolean;
  hint?: string;
  inputMode?: 'numeric' | 'text';
}) {
  const id = useId();
  const hintId = props.hint ? `${id}-hint` : undefined;
  return (
    <label>
      {props.label}
      <input
        type={props.type ?? 'text'}
        required={props.required ?? true}
        autoComplete={props.autoComplete}
        inputMode={props.inputMode}
        aria-describedby={hintId}
        value={props.value}
        onChange={(e) => props.onChange(e.target.value)}
      />
      {props.hint && (
        <span id={hintId} className="hint">
          {props.hint}
        </span>
      )}
    </label>
  );
}

/** The sign-up policy, said before the server has to refuse a password. */
export const PASSWORD_RULES =
  'At least 10 characters, hard to guess (a few unrelated words work well), and not containing your e-mail or name.';
