import { ConfirmEmailChangeDocument } from '../../../client/generated/graphql';
import { AccountLink } from '../components/account-link';
import { useSession } from '../session';

/** /account/confirm-email#token=…: the new address's link; every other session ends. */
export function ConfirmEmailPage() {
  const { client } = useSession();
  return (
    <AccountLink
      title="Confirm your new e-mail address"
      intro="Confirming the new address…"
      use={async (token) => {
        const { confirmEmailChange } = await client.request(ConfirmEmailChangeDocument, { token });
        return (
          <p>
            Your e-mail address is now <strong>{confirmEmailChange.email}</strong>. Use it to log
            in; your other sessions were ended.
          </p>
        );
      }}
      invalid="This confirmation link is not valid any more (used, replaced, cancelled or expired). Ask for the change again from your account page."
    />
  );
}
