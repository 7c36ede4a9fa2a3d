import { z } from 'zod';
import { parseDurationMs } from './duration';

/** The kinds of environment values teamgraph reads, shared by every config schema. */

const SWITCH_VALUES = ['on', 'off', 'true', 'false', '1', '0'] as const;
const isOn = (v: (typeof SWITCH_VALUES)[number]) => v === 'on' || v === 'true' || v === '1';

/** "30d", "12h", "500ms" or seconds, as milliseconds. */
export const durationSetting = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((value, ctx) => {
      const parsed = parseDurationMs(value);
      if (parsed === undefined) {
        ctx.addIssue({
          code: 'custom',
          message: `"${value}" is not a duration (e.g. 30d, 12h, 3s, 500ms, 900)`,
        });
        return z.NEVER;
      }
      return parsed;
    });

/** on/off (also true/false, 1/0) with a default. */
export const onOffSetting = (fallback: 'on' | 'off') =>
  z.enum(SWITCH_VALUES).default(fallback).transform(isOn);

/** on/off whose default depends on something else (undefined: "use the default"). */
export const optionalOnOffSetting = z
  .enum(SWITCH_VALUES)
  .optional()
  .transform((v) => (v === undefined ? undefined : isOn(v)));

/** Text where empty means unset. */
export const optionalTextSetting = z
  .string()
  .trim()
  .optional()
  .transform((v) => (v ? v : undefined));

export const optionalUrlSetting = optionalTextSetting.pipe(z.string().url().optional());

/** Comma-separated list. */
export const csvSetting = z
  .string()
  .default('')
  .transform((v) =>
    v
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  );
