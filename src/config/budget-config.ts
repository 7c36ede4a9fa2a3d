import { z } from 'zod';
import { parseDurationMs } from './duration';
import { durationSetting } from './settings';

/** A budget over time: points per window, whole seconds (what the limiters count in). */
export interface BudgetSetting {
  points: number;
  duration: number;
}

/** "10/1h": 10 per hour; the window is a duration as elsewhere (`90s`, `15m`, `1d`, seconds). */
export const budgetSetting = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((value, ctx): BudgetSetting => {
      const match = /^\s*(\d{1,9})\s*\/\s*(\S+)\s*$/.exec(value);
      const windowMs = match ? parseDurationMs(match[2]) : undefined;
      const points = match ? Number(match[1]) : 0;
      if (!match || windowMs === undefined || windowMs < 1000 || points < 1) {
        ctx.addIssue({
          code: 'custom',
          message: `"${value}" is not a budget (points per window of at least 1s, e.g. 10/1h)`,
        });
        return z.NEVER;
      }
      return { points, duration: Math.round(windowMs / 1000) };
    });

/**
 * Budgets for what a caller can make the server spend on someone else (SECURITY.md I11);
 * documented in docs/operations.md's configuration table and "Budgets for what others pay for".
 */
export const budgetConfigSchema = {
  /** E-mails to one address, whatever sends them; security notices count but always go. */
  EMAIL_BUDGET_PER_RECIPIENT: budgetSetting('10/1h'),
  /** Teams one account creates. */
  TEAM_BUDGET_PER_ACCOUNT: budgetSetting('20/1d'),
  /** Bearer tokens from one address that match no live session (each costs a database read). */
  INVALID_TOKEN_BUDGET_PER_IP: budgetSetting('100/15m'),
  /** Cost points (query-cost.ts) of the operations one caller runs per window, as GitHub's. */
  COST_BUDGET_PER_HOUR: z.coerce.number().int().min(1).max(1_000_000_000).default(50_000),
  /** The window of COST_BUDGET_PER_HOUR: an hour; shorter only to test its reset. */
  COST_BUDGET_WINDOW: durationSetting('1h').refine((ms) => ms >= 1000, {
    message: 'the window is at least 1s',
  }),
  /** Open sockets from one address without a session (not yet signed in, or anonymous). */
  WS_MAX_ANONYMOUS_PER_IP: z.coerce.number().int().min(1).max(100_000).default(50),
};
