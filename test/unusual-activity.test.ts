import { createLogger } from '../src/logging/logger';
import { operationLabel } from '../src/metrics/graphql-metrics';
import { MAX_KEYS, UnusualActivity, UnusualEvent } from '../src/server/security/unusual-activity';

/** The sliding windows behind the security.* warnings, on a controlled clock. */
function detector(count = 3, windowMs = 1_000) {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger(
    'info',
    {},
    { write: (line: string) => void lines.push(JSON.parse(line)) },
  );
  let now = 0;
  const threshold = { count, windowMs };
  const unusual = new UnusualActivity(
    logger,
    {
      [UnusualEvent.FAILED_LOGINS_ACCOUNT]: threshold,
      [UnusualEvent.FAILED_LOGINS_IP]: { count: 100, windowMs },
      [UnusualEvent.DENIED_BURST]: threshold,
      [UnusualEvent.WS_CLOSE_BURST]: threshold,
    },
    () => now,
  );
  return { unusual, lines, advance: (ms: number) => (now += ms) };
}

it('warns when a key reaches the count within the window, then starts afresh', () => {
  const { unusual, lines, advance } = detector();
  for (let i = 0; i < 3; i += 1) {
    unusual.denied('user-1', 'FORBIDDEN');
    advance(100);
  }
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatchObject({ event: UnusualEvent.DENIED_BURST, actor: 'user-1', count: 3 });
  unusual.denied('user-1', 'FORBIDDEN');
  unusual.denied('user-1', 'FORBIDDEN');
  expect(lines).toHaveLength(1);
  unusual.denied('user-1', 'FORBIDDEN');
  expect(lines).toHaveLength(2);
});

it('forgets hits older than the window', () => {
  const { unusual, lines, advance } = detector();
  unusual.socketClosed('10.0.0.1', 1000);
  unusual.socketClosed('10.0.0.1', 1000);
  advance(1_500);
  unusual.socketClosed('10.0.0.1', 1000);
  unusual.socketClosed('10.0.0.1', 1000);
  expect(lines).toHaveLength(0);
});

it('keeps keys apart and treats account names case-insensitively', () => {
  const { unusual, lines } = detector();
  unusual.failedLogIn('Ada@Example.com', '10.0.0.1');
  unusual.failedLogIn('ada@example.com', '10.0.0.2');
  unusual.failedLogIn('grace@example.com', '10.0.0.3');
  expect(lines).toHaveLength(0);
  unusual.failedLogIn('ADA@example.com', '10.0.0.4');
  expect(lines).toEqual([
    expect.objectContaining({ event: UnusualEvent.FAILED_LOGINS_ACCOUNT, ip: '10.0.0.4' }),
  ]);
});

it('bounds memory: far more keys than the cap still work and stay counted per key', () => {
  const { unusual, lines } = detector(2);
  for (let i = 0; i < 25_000; i += 1) unusual.denied(`actor-${i}`, 'FORBIDDEN');
  expect(lines).toHaveLength(0);
  expect(unusual.trackedKeys(UnusualEvent.DENIED_BURST)).toBe(MAX_KEYS);
  unusual.denied('actor-24999', 'FORBIDDEN');
  expect(lines).toHaveLength(1);
});

it('labels operations without letting clients grow the label set', () => {
  expect(operationLabel(undefined)).toBe('anonymous');
  expect(operationLabel('Me')).toBe('Me');
  expect(operationLabel('has space')).toBe('other');
  expect(operationLabel('x'.repeat(100))).toBe('other');
  for (let i = 0; i < 500; i += 1) operationLabel(`Generated${i}`);
  expect(operationLabel('Me')).toBe('Me');
  expect(operationLabel('BrandNewAfterTheCap')).toBe('other');
});
