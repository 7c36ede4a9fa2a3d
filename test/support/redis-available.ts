/**
 * Suites that need Redis run against REDIS_URL, and only then. Without it they are reported
 * as skipped, with the reason printed once, instead of passing having run nothing. When
 * REDIS_URL is set but Redis does not answer, they fail: that is a broken setup, not a skip.
 */
export const redisUrl: string | undefined = process.env.REDIS_URL;

export function describeWithRedis(suite: string, name: string, body: () => void): void {
  if (!redisUrl) console.log(`${suite}: REDIS_URL is not set; "${name}" is skipped`);
  (redisUrl ? describe : describe.skip)(name, body);
}

/** REDIS_URL inside a suite declared with describeWithRedis, where it is always set. */
export function requiredRedisUrl(): string {
  if (!redisUrl) throw new Error('REDIS_URL is not set: declare the suite with describeWithRedis');
  return redisUrl;
}
