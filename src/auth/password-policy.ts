import { ZxcvbnFactory } from '@zxcvbn-ts/core';
import * as common from '@zxcvbn-ts/language-common';
import * as english from '@zxcvbn-ts/language-en';

export const PASSWORD_MIN_LENGTH = 10;
export const PASSWORD_MAX_LENGTH = 256;
export const PASSWORD_MIN_SCORE = 3;

const estimator = new ZxcvbnFactory({
  dictionary: { ...common.dictionary, ...english.dictionary },
  graphs: common.adjacencyGraphs,
  translations: english.translations,
});

/** Returns why a password is too weak, or null when it is acceptable. */
export async function passwordWeakness(
  password: string,
  personal: { email: string; displayName: string },
): Promise<string | null> {
  if (password.length < PASSWORD_MIN_LENGTH) {
    return `Password must be at least ${PASSWORD_MIN_LENGTH} characters long.`;
  }
  if (password.length > PASSWORD_MAX_LENGTH) {
    return `Password must be at most ${PASSWORD_MAX_LENGTH} characters long.`;
  }
  const lower = password.toLowerCase();
  const localPart = personal.email.split('@')[0] ?? '';
  const personalParts = [personal.email, localPart, personal.displayName.trim()]
    .map((s) => s.toLowerCase())
    .filter((s) => s.length >= 3);
  if (personalParts.some((part) => lower.includes(part))) {
    return 'Password must not contain your e-mail address or name.';
  }
  const result = await estimator.checkAsync(password, personalParts);
  if (result.score < PASSWORD_MIN_SCORE) {
    const hint =
      result.feedback.warning || result.feedback.suggestions[0] || 'Add more words or characters.';
    return `Password is too easy to guess. ${hint}`.trim();
  }
  return null;
}
