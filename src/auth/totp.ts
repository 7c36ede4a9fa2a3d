import { generateSecret, generateURI, verify } from 'otplib';

/** RFC 6238: 30-second steps, 6 digits, SHA-1 (what every authenticator app speaks). */
export const TOTP_PERIOD_SECONDS = 30;

/**
 * Clock skew accepted, in seconds: the step before the current one (a code typed just as it
 * rolled over) and the step after it (a phone clock slightly ahead). Older codes are refused.
 */
export const TOTP_SKEW_SECONDS = 30;

const ISSUER = 'teamgraph';

export function newTotpSecret(): string {
  return generateSecret();
}

export function totpUri(secret: string, accountName: string): string {
  return generateURI({ issuer: ISSUER, label: accountName, secret, period: TOTP_PERIOD_SECONDS });
}

/**
 * The time step of a valid code, or null. `afterStep` is the last step already used: a code
 * is accepted at most once, so a code seen over someone's shoulder cannot be replayed.
 */
export async function acceptedTotpStep(
  secret: string,
  code: string,
  afterStep: number | null,
): Promise<number | null> {
  if (!/^\d{6}$/.test(code)) return null;
  const result = await verify({
    secret,
    token: code,
    epochTolerance: TOTP_SKEW_SECONDS,
    ...(afterStep !== null ? { afterTimeStep: afterStep } : {}),
  }).catch(() => null);
  // The TOTP strategy always reports the matched step; the HOTP variant of the type does not.
  return result?.valid && 'timeStep' in result ? result.timeStep : null;
}
