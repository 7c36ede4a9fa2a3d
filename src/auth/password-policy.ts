import type { CpuPool } from '../workers/cpu-pool';

export const PASSWORD_MIN_LENGTH = 10;
export const PASSWORD_MAX_LENGTH = 256;
export const PASSWORD_MIN_SCORE = 3;
/**
 * The estimator judges this many leading characters. Its cost grows steeply with length (a
 * random 256-character password takes seconds); a prefix strong enough makes the whole strong.
 */
export const PASSWORD_ESTIMATED_LENGTH = 64;

/** Why a password is unacceptable without estimating it (length), or null. Cheap. */
export function passwordLengthProblem(password: string): string | null {
  if (password.length < PASSWORD_MIN_LENGTH) {
    return `Password must be at least ${PASSWORD_MIN_LENGTH} characters long.`;
  }
  if (password.length > PASSWORD_MAX_LENGTH) {
    return `Password must be at most ${PASSWORD_MAX_LENGTH} characters long.`;
  }
  return null;
}

/**
 * Returns why a password is too weak, or null when it is acceptable. The strength estimate
 * runs in the CPU pool, never on the event loop.
 */
export async function passwordWeakness(
  cpu: CpuPool,
  password: string,
  personal: { email: string; displayName: string },
): Promise<string | null> {
  const lengthProblem = passwordLengthProblem(password);
  if (lengthProblem) return lengthProblem;
  const lower = password.toLowerCase();
  const localPart = personal.email.split('@')[0] ?? '';
  const personalParts = [personal.email, localPart, personal.displayName.trim()]
    .map((s) => s.toLowerCase())
    .filter((s) => s.length >= 3);
  if (personalParts.some((part) => lower.includes(part))) {
    return 'Password must not contain your e-mail address or name.';
  }
  const estimate = await cpu.run('estimateStrength', {
    password: password.slice(0, PASSWORD_ESTIMATED_LENGTH),
    personalParts,
  });
  if (estimate.score < PASSWORD_MIN_SCORE) {
    return `Password is too easy to guess. ${estimate.hint ?? 'Add more words or characters.'}`.trim();
  }
  return null;
}
