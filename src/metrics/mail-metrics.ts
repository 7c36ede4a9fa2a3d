import { Counter } from 'prom-client';
import { metricsRegistry } from './registry';

/**
 * Outgoing e-mail by outcome: `sent`, `failed` (alert on it), `not_configured` (no SMTP_URL) or
 * `over_budget` (the address's budget was spent: not sent).
 */
export const emailsTotal = new Counter({
  name: 'teamgraph_emails_total',
  help: 'E-mails the server tried to send, by result',
  labelNames: ['result'] as const,
  registers: [metricsRegistry],
});
