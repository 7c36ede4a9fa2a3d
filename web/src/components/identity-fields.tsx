import { TextField } from './text-field';

interface FieldProps {
  value: string;
  onChange(value: string): void;
}

/** The account's current password, as every step that asks for it labels it. */
export function CurrentPasswordField(props: FieldProps) {
  return (
    <TextField
      label="Your password"
      type="password"
      autoComplete="current-password"
      value={props.value}
      onChange={props.onChange}
    />
  );
}

/** A second factor where either an authenticator code or a recovery code will do. */
export function SecondFactorField(props: FieldProps) {
  return (
    <TextField
      label="Code from the app (or a recovery code)"
      autoComplete="one-time-code"
      value={props.value}
      onChange={props.onChange}
    />
  );
}
