import type { Chat2DeskClient } from '../chat2desk/client.js';
import type { Message } from '../chat2desk/types.js';
import type { Clock } from '../clock.js';
import type { Sql } from '../db/database.js';
import { type Logger, silentLogger } from '../logger.js';
import { applyAwaitedStatuses } from './applyAwaitedStatuses.js';
import type { Chat2DeskGate } from './chat2deskGate.js';
import { receiveWebhookEvent } from './webhookEvents.js';

/** Transports whose sent messages Chat2Desk reports `recipient_status` for (v1.08: Viber Business). */
export const TRANSPORTS_REPORTING_DELIVERY: readonly string[] = [
  'viber',
  'viber_business',
  'viber_public',
  'widget',
];

/**
 * The names Chat2Desk lists sent Viber messages under: `viber` in the manual, `viber_business` or
 * `viber_public` on real accounts. Each is asked until the account shows which it uses.
 */
export const VIBER_LISTINGS: readonly string[] = ['viber', 'viber_business', 'viber_public'];
/** Every this many polls the other listings are asked again (an account may change channels). */
const REPROBE_EVERY_POLLS = 50;

export interface StatusPollerOptions {
  sql: Sql;
  client: Chat2DeskClient;
  gate: Chat2DeskGate;
  clock: Clock;
  logger?: Logger;
  /** Polls allowed per request the engine made otherwise: polling costs quota. */
  budgetRatio?: number;
}

/**
 * Where no web hook brings them, collects delivery statuses by reading `GET /v1/messages` a page
 * (200) at a time, within a budget that is a small fraction of the requests the engine makes for
 * sending, so polling never eats the monthly quota. (Client replies have a clock of their own:
 * ReplyWatcher.) A poll asked for while one is under way joins it: polls never overlap.
 */
export class StatusPoller {
  readonly #o: Required<Omit<StatusPollerOptions, 'logger'>>;
  readonly #logger: Logger;
  #polls = 0;
  /** Where the account lists our Viber messages, once a probe has seen them there. */
  #listing: string | undefined;
  #pollsSinceProbe = 0;
  #inFlight: Promise<{ polled: number; statusesApplied: number }> | undefined;

  constructor(options: StatusPollerOptions) {
    this.#o = { budgetRatio: 0.05, ...options };
    this.#logger = options.logger ?? silentLogger;
  }

  get polls(): number {
    return this.#polls;
  }

  /** Polls allowed so far: one to start with, then `budgetRatio` of every other request. */
  #budgetLeft(): number {
    const otherRequests = this.#o.gate.requests - this.#polls;
    return Math.floor(1 + otherRequests * this.#o.budgetRatio) - this.#polls;
  }

  pollOnce(): Promise<{ polled: number; statusesApplied: number }> {
    this.#inFlight ??= this.#poll().finally(() => {
      this.#inFlight = undefined;
    });
    return this.#inFlight;
  }

  async #poll(): Promise<{ polled: number; statusesApplied: number }> {
    // Reports that outran their send's record (free: no request).
    const { applied } = await applyAwaitedStatuses(this.#o.sql, this.#o.clock.now());
    if (this.#budgetLeft() <= 0 || !(await this.#hasUnsettledReportingDeliveries())) {
      return { polled: 0, statusesApplied: applied };
    }
    return { polled: 1, statusesApplied: applied + (await this.#pollStatuses()) };
  }

  async #list(filters: Parameters<Chat2DeskClient['listMessages']>[0]): Promise<Message[]> {
    this.#polls++;
    const page = await this.#o.gate.call(() => this.#o.client.listMessages(filters));
    return page.data;
  }

  async #hasUnsettledReportingDeliveries(): Promise<boolean> {
    const [row] = await this.#o.sql`
      select 1 from deliveries
      where state in ('sent', 'delivered') and transport = any(${TRANSPORTS_REPORTING_DELIVERY}) limit 1`;
    return row !== undefined;
  }

  async #pollStatuses(): Promise<number> {
    let applied = 0;
    const known = this.#listing;
    const probing = known === undefined || ++this.#pollsSinceProbe >= REPROBE_EVERY_POLLS;
    // A probe starts with the listing last seen, so a settled account keeps paying one request a poll.
    const listings = probing
      ? [...(known ? [known] : []), ...VIBER_LISTINGS.filter((name) => name !== known)]
      : [known];
    for (const [index, transport] of listings.entries()) {
      // The first listing is paid for by the poll; the others only while the budget lasts.
      if (index > 0 && this.#budgetLeft() <= 0) break;
      const messages = await this.#list({ type: 'to_client', transport, order: 'desc', limit: 200 });
      for (const m of messages) {
        if (!m.recipient_status) continue;
        const outcome = await receiveWebhookEvent(
          this.#o.sql,
          { hook_type: 'outbox_status', message_id: m.id, recipient_status: m.recipient_status },
          '',
          { now: this.#o.clock.now() },
        );
        if (outcome.statusApplied) applied++;
      }
      // An account lists its Viber messages one way: the first listing that holds them is the one.
      if (messages.length > 0) {
        this.#listing = transport;
        if (probing) this.#pollsSinceProbe = 0;
        break;
      }
    }
    this.#logger.debug({ applied, listing: this.#listing }, 'delivery statuses polled');
    return applied;
  }
}
