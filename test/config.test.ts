import { ConfigError, loadConfig } from '../src/config/config';

/** Values every production start needs (backups refuse to run unencrypted otherwise). */
const PRODUCTION = {
  NODE_ENV: 'production',
  BACKUP_ENCRYPTION_KEY: Buffer.alloc(32, 7).toString('base64'),
  TOTP_ENCRYPTION_KEY: Buffer.alloc(32, 5).toString('base64'),
  CHECKPOINT_SIGNING_KEY: Buffer.alloc(32, 9).toString('base64'),
};

describe('configuration', () => {
  it('has working defaults for a bare `npm start`', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      PORT: 4000,
      HOST: '0.0.0.0',
      NODE_ENV: 'development',
      LOG_LEVEL: 'info',
      DATA_DIR: '.data',
      MIGRATE_ON_START: true,
      SESSION_TTL: 30 * 24 * 3600 * 1000,
      RATE_LIMITS: true,
      CORS_ORIGINS: [],
    });
    expect(config.DATABASE_URL).toBeUndefined();
  });

  it('parses durations, switches and lists', () => {
    const config = loadConfig({
      SESSION_TTL: '12h',
      INVITATION_TTL: '900',
      MIGRATE_ON_START: 'off',
      CORS_ORIGINS: ' https://app.example.com , https://admin.example.com ',
    });
    expect(config.SESSION_TTL).toBe(12 * 3600 * 1000);
    expect(config.INVITATION_TTL).toBe(900 * 1000);
    expect(config.MIGRATE_ON_START).toBe(false);
    expect(config.CORS_ORIGINS).toEqual(['https://app.example.com', 'https://admin.example.com']);
  });

  it('reads budgets as points per window, in whole seconds', () => {
    const config = loadConfig({
      EMAIL_BUDGET_PER_RECIPIENT: '3 / 90s',
      TEAM_BUDGET_PER_ACCOUNT: '5/1d',
    });
    expect(config.EMAIL_BUDGET_PER_RECIPIENT).toEqual({ points: 3, duration: 90 });
    expect(config.TEAM_BUDGET_PER_ACCOUNT).toEqual({ points: 5, duration: 86_400 });
    expect(loadConfig({}).INVALID_TOKEN_BUDGET_PER_IP).toEqual({ points: 100, duration: 900 });
  });

  it('refuses bad values with one message naming every bad variable and what it got', () => {
    let error: unknown;
    try {
      loadConfig({
        PORT: 'eighty',
        SESSION_TTL: 'forever',
        DATABASE_URL: 'not a url',
        LOG_LEVEL: 'loud',
      });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    expect(message).toMatch(/^Invalid configuration:/);
    expect(message).toMatch(/PORT: .*\(got "eighty"\)/);
    expect(message).toMatch(/SESSION_TTL: "forever" is not a duration/);
    expect(message).toMatch(/DATABASE_URL: .*\(got "not a url"\)/);
    expect(message).toMatch(/LOG_LEVEL: .*\(got "loud"\)/);
  });

  it.each([
    ['a port out of range', { PORT: '70000' }, /PORT/],
    ['a pool of zero', { DB_POOL_SIZE: '0' }, /DB_POOL_SIZE/],
    ['an unknown NODE_ENV', { NODE_ENV: 'staging' }, /NODE_ENV/],
    ['a switch that is neither on nor off', { RATE_LIMITS: 'maybe' }, /RATE_LIMITS/],
    [
      'a budget without a window',
      { EMAIL_BUDGET_PER_RECIPIENT: '10' },
      /EMAIL_BUDGET_PER_RECIPIENT/,
    ],
    ['a budget of zero', { TEAM_BUDGET_PER_ACCOUNT: '0/1d' }, /TEAM_BUDGET_PER_ACCOUNT/],
    ['a window under a second', { INVALID_TOKEN_BUDGET_PER_IP: '5/500ms' }, /INVALID_TOKEN_BUDGET/],
    ['no anonymous sockets at all', { WS_MAX_ANONYMOUS_PER_IP: '0' }, /WS_MAX_ANONYMOUS_PER_IP/],
  ])('refuses %s', (_, env, variable) => {
    expect(() => loadConfig(env)).toThrow(variable);
  });

  it('refuses RATE_LIMITS=off in production, and accepts production otherwise', () => {
    expect(() => loadConfig({ ...PRODUCTION, RATE_LIMITS: 'off' })).toThrow(
      /RATE_LIMITS: cannot be off when NODE_ENV=production/,
    );
    expect(loadConfig(PRODUCTION).NODE_ENV).toBe('production');
  });

  it('never echoes a secret value in its error message', () => {
    const secret = 'c2VjcmV0LWJ1dC10b28tc2hvcnQ=';
    expect(() => loadConfig({ BACKUP_ENCRYPTION_KEY: secret })).toThrow(ConfigError);
    expect(() => loadConfig({ BACKUP_ENCRYPTION_KEY: secret })).not.toThrow(new RegExp(secret));
  });

  it('reads a Redis Cluster as host:port nodes', () => {
    const config = loadConfig({ REDIS_CLUSTER_NODES: ' redis-1:6379, 10.0.0.2:7000,[::1]:7001 ' });
    expect(config.REDIS_CLUSTER_NODES).toEqual([
      { host: 'redis-1', port: 6379 },
      { host: '10.0.0.2', port: 7000 },
      { host: '::1', port: 7001 },
    ]);
    expect(loadConfig({}).REDIS_CLUSTER_NODES).toBeUndefined();
  });

  it.each([
    ['an entry without a port', 'redis-1:6379,redis-2', /"redis-2" is not host:port/],
    ['a port out of range', 'redis-1:70000', /"redis-1:70000" is not host:port/],
    [
      'a URL instead of host:port',
      'redis://redis-1:6379',
      /"redis:\/\/redis-1:6379" is not host:port/,
    ],
    ['an empty entry', 'redis-1:6379,,redis-2:6379', /"" is not host:port/],
  ])('refuses REDIS_CLUSTER_NODES with %s, naming the entry', (_, value, message) => {
    expect(() => loadConfig({ REDIS_CLUSTER_NODES: value })).toThrow(
      new RegExp(`REDIS_CLUSTER_NODES: ${message.source}`),
    );
  });

  it('refuses REDIS_URL together with REDIS_CLUSTER_NODES', () => {
    expect(() =>
      loadConfig({ REDIS_URL: 'redis://r:6379', REDIS_CLUSTER_NODES: 'redis-1:6379' }),
    ).toThrow(/REDIS_URL and REDIS_CLUSTER_NODES: set one/);
  });
});
