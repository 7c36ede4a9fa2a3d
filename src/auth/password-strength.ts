import { ZxcvbnFactory } from '@zxcvbn-ts/core';
import * as common from '@zxcvbn-ts/language-common';
import * as english from '@zxcvbn-ts/language-en';

/**
 * The strength estimator. CPU-heavy (seconds for a long random password), so it runs only in
 * the CPU worker pool (src/workers): importing this module loads its dictionaries.
 */
const estimator = new ZxcvbnFactory({
  dictionary: { ...common.dictionary, ...english.dictionary },
  graphs: common.adjacencyGraphs,
  translations: english.translations,
});

export interface StrengthEstimate {
  score: number;
  hint: string | null;
}

export async function estimateStrength(
  password: string,
  personalParts: string[],
): Promise<StrengthEstimate> {
  const result = await estimator.checkAsync(password, personalParts);
  return {
    score: result.score,
    hint: result.feedback.warning || result.feedback.suggestions[0] || null,
  };
}
