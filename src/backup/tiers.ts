export const TIERS = ['daily', 'weekly', 'monthly'] as const;

/** A schedule a backup serves; one snapshot may serve several. */
export type Tier = (typeof TIERS)[number];

export const isTier = (value: string): value is Tier =>
  (TIERS as readonly string[]).includes(value);
