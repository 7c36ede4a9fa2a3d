import { VerifyEmailDocument } from '../../../client/generated/graphql';
import { AccountLink } from '../components/account-link';
import { useSession } from '../session';

/** /account/verify-email#token=…: sign-up's link; works signed in or out. */
export function VerifyEmailPage() {
  const { client } = useSession();
  return (
    <AccountLink
      title="Verify your e-mail address"
      intro="Checking the link…"
      use={async (token) => {
        await client.request(VerifyEmailDocument, { token });
        return <p>Your e-mail address is verified. Thank you.</p>;
      }}
      invalid="This verification link is not valid any more (used, replaced by a newer one, or expired). Log in and send a new one from your account page."
    />
  );
}
