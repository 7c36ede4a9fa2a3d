import { Field, ObjectType } from 'type-graphql';

@ObjectType({
  description:
    'A TOTP secret (RFC 6238, 30 s, 6 digits) to add to an authenticator app; confirm it with a code.',
})
export class TwoFactorSetup {
  @Field({ description: 'Base32 secret, for typing into an app by hand.' })
  secret: string;

  @Field({ description: 'otpauth:// URI, for a QR code.' })
  otpauthUri: string;
}
