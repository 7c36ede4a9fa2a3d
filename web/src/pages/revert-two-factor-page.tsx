import { RevertTwoFactorSetupDocument } from '../../../client/generated/graphql';
import { AccountLink } from '../components/account-link';
import { AppLink } from '../components/app-link';
import { useSession } from '../session';

/** /account/revert-two-factor#token=…: undoes an enrolment the owner did not make. */
export function RevertTwoFactorPage() {
  const { client, signOut } = useSession();
  return (
    <AccountLink
      title="Undo the two-factor setup"
      intro="If you did not turn on two-factor sign-in, undo it: the authenticator and its recovery codes are removed and every session is ended."
      actionLabel="Turn that two-factor off and end every session"
      use={async (token) => {
        await client.request(RevertTwoFactorSetupDocument, { token });
        signOut();
        return (
          <p>
            Done: two-factor sign-in is off and every session was ended.{' '}
            <AppLink to="/forgot-password">Reset your password</AppLink>, then log in and turn
            two-factor on again with your own app.
          </p>
        );
      }}
      invalid="This link is not valid any more (used, expired after 7 days, or two-factor was turned off or set up again since)."
    />
  );
}
