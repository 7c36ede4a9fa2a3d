import { RevertEmailChangeDocument } from '../../../client/generated/graphql';
import { AccountLink } from '../components/account-link';
import { AppLink } from '../components/app-link';
import { useSession } from '../session';

/** /account/revert-email#token=…: the old address cancels or undoes an e-mail change. */
export function RevertEmailPage() {
  const { client, signOut } = useSession();
  return (
    <AccountLink
      title="Undo the e-mail change"
      intro="If you did not ask to change your account's e-mail address, undo it: the account goes back to this address and every session, including any other person's, is ended."
      actionLabel="Undo the change and end every session"
      use={async (token) => {
        await client.request(RevertEmailChangeDocument, { token });
        // Every session ended, this one too.
        signOut();
        return (
          <p>
            Done: the account uses this address again and every session was ended. If someone else
            may know your password, <AppLink to="/forgot-password">reset your password</AppLink>{' '}
            now.
          </p>
        );
      }}
      invalid="This link is not valid any more (used or expired after 7 days)."
    />
  );
}
