import { hashToken } from '../../src/auth/token';
import { tokenIn, waitForMail } from '../support/mail-links';
import type { SmtpInbox } from '../support/smtp-inbox';
import type { GraphqlResponse, TestApp } from '../support/test-app';
import {
  ACTIVITY_FIELDS,
  connectLive,
  subscribe,
  type Feed as LiveFeed,
  type LiveClient,
} from '../support/ws-client';
import type { MailedLink, Request } from './mutation-spec';

/** A subscription the run opened, with its own socket. */
export interface OpenFeed {
  live: LiveClient;
  feed: LiveFeed;
}

const TEAM_FEED = `subscription ($teamId: ID!, $afterSeq: Int) {
  teamActivity(teamId: $teamId, afterSeq: $afterSeq) { ${ACTIVITY_FIELDS} }
}`;

/**
 * The real side of a model run: one or two server instances on one database, the SMTP inbox
 * their mail goes to, and the live feeds the run opened.
 */
export class World {
  readonly feeds = new Map<number, OpenFeed>();
  /** How many messages of each (address, subject) the run has already read links from. */
  private readonly read = new Map<string, number>();

  constructor(
    readonly apps: TestApp[],
    readonly inbox: SmtpInbox,
  ) {}

  app(instance: number): TestApp {
    return this.apps[instance % this.apps.length];
  }

  sql<T = Record<string, unknown>>(text: string, params?: unknown[]): Promise<T[]> {
    return this.apps[0].sql<T>(text, params);
  }

  async send(
    request: Request | (() => Promise<Request>),
    instance: number,
  ): Promise<GraphqlResponse> {
    const formed = typeof request === 'function' ? await request() : request;
    return this.app(instance).gql(formed.query, formed.variables, formed.token);
  }

  /** The token of the next unread link e-mailed to `to` under `subject`. */
  async link({ to, subject }: MailedLink): Promise<string> {
    const key = `${to}\n${subject}`;
    const count = (this.read.get(key) ?? 0) + 1;
    const mail = await waitForMail(this.inbox, to, subject, count);
    this.read.set(key, count);
    return tokenIn(mail);
  }

  /**
   * The id of the session with this token; empty when its row is gone already (a request
   * that met it, such as the account's deletion, ended it after it began).
   */
  async sessionId(token: string): Promise<string> {
    const [row] = await this.sql<{ id: string }>(`SELECT id FROM sessions WHERE token_hash = $1`, [
      hashToken(token),
    ]);
    return row?.id ?? '';
  }

  /**
   * Opens `teamActivity` from the row before `seq` and resolves once that row arrived: from
   * then on the subscription is in place, and every later row is the model's to predict.
   */
  async openFeed(key: number, token: string, teamId: string, seq: number, instance: number) {
    const live = await connectLive(this.app(instance), token);
    const feed = subscribe(live, TEAM_FEED, { teamId, afterSeq: seq - 1 });
    this.feeds.set(key, { live, feed });
    await feed.until(
      (f) => f.completed || f.results.length > 0,
      15_000,
      `the first row of a new feed of team ${teamId}`,
    );
  }

  async closeFeeds(): Promise<void> {
    await Promise.all([...this.feeds.values()].map(({ live }) => live.dispose()));
    this.feeds.clear();
  }
}
