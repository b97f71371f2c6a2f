import type { Chat2DeskClient } from '../chat2desk/client.js';
import type { Message } from '../chat2desk/types.js';
import type { Clock } from '../clock.js';
import type { Sql } from '../db/database.js';
import { type Logger, silentLogger } from '../logger.js';
import type { PhoneRegion } from '../phones/phone.js';
import type { Chat2DeskGate } from './chat2deskGate.js';
import { StopVocabulary } from './optOut.js';
import {
  advanceReplyCursor,
  beginReplyPoll,
  completeReplyPoll,
  type ReplyPollBudget,
  readReplyPoll,
} from './sql/replyPolls.js';
import { receiveWebhookEvent } from './webhookEvents.js';

const INBOUND = 'inbound';
/** Chat2Desk's page cap. */
const PAGE = 200;
/** Pages read in one poll at most: a backlog beyond that is read by the next poll, an interval later. */
const MAX_PAGES = 5;
const MONTH_MS = 30 * 86_400_000;
/** Once, at the very first poll on a service that ignores `order`: the history is skipped this far. */
const MAX_HISTORY_PAGES = 500;

export interface ReplyWatcherOptions {
  sql: Sql;
  client: Chat2DeskClient;
  gate: Chat2DeskGate;
  clock: Clock;
  logger?: Logger;
  /** Engine time between polls while any campaign has messages to send. Default 5 s. */
  activeIntervalMs?: number;
  /** Engine time between polls otherwise. Default 60 s. */
  idleIntervalMs?: number;
  /** The share of the monthly quota reply polls may spend, spread over the month. Default 0.1. */
  quotaShare?: number;
  /** …plus this share of the requests the engine makes otherwise (sending earns polls). Default 0.05. */
  sendShare?: number;
  /** The month's request quota; null when there is none (unlimited mode). */
  monthlyQuota: () => Promise<number | null>;
  /** Real time between looks at the cadence while started. Default 1 s. */
  tickMs?: number;
  /** Real time a message waits at most for a reply check before it goes without one. Default 15 s. */
  checkWaitMs?: number;
  /** DEFAULT_PHONE_REGION: a STOP is matched by phone, read as every other phone is. */
  phoneRegion?: PhoneRegion;
  /** OPT_OUT_KEYWORDS: what a STOP is (the defaults when not given). */
  stopVocabulary?: StopVocabulary;
  /** OPT_OUT_CONFIRMATION_TEXT is set: a STOP records the confirmation its client is owed. */
  confirmOptOut?: boolean;
}

export type PollReason = 'active' | 'idle' | 'before_send';

/** What the watcher did, for /metrics: polls by reason, and what kept a due poll from happening. */
export interface ReplyWatcherCounts {
  polls: Record<PollReason, number>;
  requests: number;
  skippedForBudget: number;
  failures: number;
  optOuts: number;
  /** Messages that went out without a reply check, because none could be had in time. */
  uncheckedSends: number;
}

/**
 * Client replies (a STOP above all) read from Chat2Desk on a clock of their own, where no web hook
 * of ours brings them: every 5 s of engine time while any campaign has messages to send, every
 * minute when idle, and right before a message whose due time no poll has covered yet (so a run's
 * first message waits for replies written before it was due). Polls are shared by every instance
 * through reply_polls (one polls per interval, the cursor survives restarts), go through the gate
 * (counted in the rate limit and the quota), and on a finite monthly quota spend a token bucket
 * refilled with `quotaShare` of it over the month plus `sendShare` of the requests made for sending,
 * idle polls keeping half of it for busy times. A STOP is matched by Chat2Desk client id, else by the client's phone.
 */
export class ReplyWatcher {
  readonly counts: ReplyWatcherCounts = {
    polls: { active: 0, idle: 0, before_send: 0 },
    requests: 0,
    skippedForBudget: 0,
    failures: 0,
    optOuts: 0,
    uncheckedSends: 0,
  };
  readonly #o: Required<Omit<ReplyWatcherOptions, 'logger' | 'phoneRegion'>> &
    Pick<ReplyWatcherOptions, 'phoneRegion'>;
  readonly #logger: Logger;
  #timer: ReturnType<typeof setInterval> | undefined;
  #polling: Promise<void> | undefined;
  #ticking: Promise<unknown> | undefined;
  /** The latest poll start known to have completed: replies up to it are applied. */
  #coveredUntil = 0;
  /** The gate's requests (other than ours) already turned into tokens. */
  #requestsCounted = 0;

  constructor(options: ReplyWatcherOptions) {
    this.#o = {
      activeIntervalMs: 5_000,
      idleIntervalMs: 60_000,
      quotaShare: 0.1,
      sendShare: 0.05,
      tickMs: 1_000,
      checkWaitMs: 15_000,
      stopVocabulary: StopVocabulary.default,
      confirmOptOut: false,
      ...options,
    };
    this.#logger = (options.logger ?? silentLogger).child({ role: 'reply-watcher' });
  }

  start(): void {
    if (this.#timer) return;
    this.#timer = setInterval(() => {
      this.#ticking ??= this.tick()
        .catch(() => undefined)
        .finally(() => {
          this.#ticking = undefined;
        });
    }, this.#o.tickMs);
    this.#timer.unref?.();
  }

  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#ticking;
    await this.#polling;
  }

  /** One look at the cadence: polls when a poll is due (active or idle) and the budget allows. */
  async tick(): Promise<{ polled: boolean }> {
    const now = this.#o.clock.now();
    const active = await this.#hasMessagesToSend(now);
    const polled = await this.#pollIfDue(active ? 'active' : 'idle', now);
    return { polled };
  }

  /**
   * Resolves once a poll that began at or after `at` has completed (by this instance or another):
   * every reply Chat2Desk held at `at` is then applied. Polls at once if none covers `at`; gives up
   * after checkWaitMs of real time (counted, logged) rather than hold a message for ever.
   */
  async checkedSince(due: Date): Promise<void> {
    // A poll can only cover what has happened: an instant ahead of the engine clock is covered by now.
    const at = new Date(Math.min(due.getTime(), this.#o.clock.now().getTime()));
    if (this.#coveredUntil >= at.getTime()) return;
    const deadline = Date.now() + this.#o.checkWaitMs;
    for (;;) {
      const state = await readReplyPoll(this.#o.sql, INBOUND);
      const completed = state?.completedAt?.getTime() ?? 0;
      this.#coveredUntil = Math.max(this.#coveredUntil, completed);
      if (completed >= at.getTime()) return;
      await this.#pollIfDue('before_send', this.#o.clock.now(), at);
      if (this.#coveredUntil >= at.getTime()) return;
      if (Date.now() >= deadline) {
        this.counts.uncheckedSends++;
        this.#logger.warn(
          { since: at.toISOString() },
          'no reply check could be had in time; sending without one',
        );
        return;
      }
      // Another instance is polling (or the poll failed): look again shortly.
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  /** Polls (at most one at a time in this process) when due; returns whether a poll completed. */
  async #pollIfDue(reason: PollReason, now: Date, coverSince?: Date): Promise<boolean> {
    if (this.#polling) {
      await this.#polling;
      return false;
    }
    let completed = false;
    this.#polling = (async () => {
      const budget = await this.#budget(reason);
      const interval = reason === 'idle' ? this.#o.idleIntervalMs : this.#o.activeIntervalMs;
      const begun = await beginReplyPoll(this.#o.sql, {
        name: INBOUND,
        now,
        intervalMs: interval,
        ...(coverSince ? { coverSince } : {}),
        budget,
      });
      if (begun === 'budget') {
        this.counts.skippedForBudget++;
        return;
      }
      if (!begun) return;
      this.counts.polls[reason]++;
      try {
        await this.#readReplies(begun.lastMessageId);
        await completeReplyPoll(this.#o.sql, INBOUND, now);
        this.#coveredUntil = Math.max(this.#coveredUntil, now.getTime());
        completed = true;
      } catch (error) {
        this.counts.failures++;
        this.#logger.warn({ err: error, reason }, 'reply poll failed; the next one tries again');
      }
    })().finally(() => {
      this.#polling = undefined;
    });
    await this.#polling;
    return completed;
  }

  /**
   * Client messages after the cursor, oldest first, a page at a time (start_id, ascending; ids at or
   * below the cursor are dropped in case the service ignores start_id). The first poll ever reads the
   * newest page only: history before the engine was installed is not replayed.
   */
  async #readReplies(cursor: number | null): Promise<void> {
    if (cursor === null) {
      const newest = await this.#newestReplies();
      await this.#apply([...newest].sort((a, b) => a.id - b.id));
      await advanceReplyCursor(
        this.#o.sql,
        INBOUND,
        newest.reduce((max, m) => Math.max(max, m.id), 0),
      );
      return;
    }
    let after = cursor;
    for (let page = 0; page < MAX_PAGES; page++) {
      const messages = await this.#list({
        type: 'from_client',
        startId: after + 1,
        order: 'asc',
        limit: PAGE,
      });
      const fresh = messages.filter((m) => m.id > after).sort((a, b) => a.id - b.id);
      await this.#apply(fresh);
      if (fresh.length > 0) {
        after = fresh.at(-1)!.id;
        await advanceReplyCursor(this.#o.sql, INBOUND, after);
      }
      if (messages.length < PAGE || fresh.length === 0) return;
    }
  }

  /**
   * The newest page of client messages. A service that ignores `order` answers the oldest page
   * instead (ascending and full): then pages are followed by `start_id` to the end, and only the last
   * is kept — the history before the engine was installed is skipped, not replayed, either way.
   */
  async #newestReplies(): Promise<Message[]> {
    let page = await this.#list({ type: 'from_client', order: 'desc', limit: PAGE });
    const ascending = page.length > 1 && page[0]!.id < page.at(-1)!.id;
    if (!ascending) return page;
    for (let pages = 1; page.length === PAGE && pages < MAX_HISTORY_PAGES; pages++) {
      const after = page.at(-1)!.id;
      const next = (
        await this.#list({ type: 'from_client', startId: after + 1, order: 'asc', limit: PAGE })
      ).filter((m) => m.id > after);
      if (next.length === 0) break;
      page = next;
    }
    return page;
  }

  async #list(filters: Parameters<Chat2DeskClient['listMessages']>[0]): Promise<Message[]> {
    this.counts.requests++;
    return (await this.#o.gate.call(() => this.#o.client.listMessages(filters))).data;
  }

  /** Each reply as its web hook would be: recorded once, a STOP applied (by client id, else phone). */
  async #apply(messages: readonly Message[]): Promise<void> {
    for (const m of messages) {
      const vocabulary = this.#o.stopVocabulary;
      const phone = vocabulary.isStop(m.text) ? await this.#phoneOfUnknownClient(m.client_id) : null;
      const outcome = await receiveWebhookEvent(
        this.#o.sql,
        { ...m, hook_type: 'inbox', ...(phone ? { client: { id: m.client_id, phone } } : {}) },
        JSON.stringify(m),
        {
          now: this.#o.clock.now(),
          stopVocabulary: vocabulary,
          confirmOptOut: this.#o.confirmOptOut,
          ...(this.#o.phoneRegion ? { phoneRegion: this.#o.phoneRegion } : {}),
        },
      );
      if (outcome.optedOut) this.counts.optOuts++;
    }
  }

  /** The phone of a client no contact knows by id (one request; a STOP is rare): null if it is known. */
  async #phoneOfUnknownClient(clientId: number): Promise<string | null> {
    const [known] = await this.#o.sql`select 1 from contacts where chat2desk_client_id = ${clientId} limit 1`;
    if (known) return null;
    this.counts.requests++;
    const client = await this.#o.gate.call(() => this.#o.client.getClient(clientId));
    return client.phone ?? null;
  }

  /** Any message due to go out within the active interval, or one going out now. */
  async #hasMessagesToSend(now: Date): Promise<boolean> {
    const soon = new Date(now.getTime() + this.#o.activeIntervalMs);
    const [row] = await this.#o.sql<{ active: boolean }[]>`
      select exists (
        select 1 from campaigns k where k.status = 'running' and exists (
          select 1 from deliveries d
          where d.campaign_id = k.id and d.state in ('queued', 'waiting') and d.next_attempt_at <= ${soon})
      ) or exists (select 1 from deliveries where state = 'sending') as active`;
    return row?.active ?? false;
  }

  /**
   * The bucket for a finite quota: refilled at quotaShare of it over a month and by sendShare of the
   * other requests this instance made, holding a day's worth (at least 20 polls); idle polls keep half
   * of it for the times messages are being sent.
   */
  async #budget(reason: PollReason): Promise<ReplyPollBudget | null> {
    const quota = await this.#o.monthlyQuota();
    if (quota === null) return null;
    const others = this.#o.gate.requests - this.counts.requests;
    const earned = Math.max(0, others - this.#requestsCounted) * this.#o.sendShare;
    this.#requestsCounted = Math.max(this.#requestsCounted, others);
    const perMonth = quota * this.#o.quotaShare;
    const capacity = Math.max(20, perMonth / 30);
    return { perMs: perMonth / MONTH_MS, earned, capacity, keep: reason === 'idle' ? capacity / 2 : 0 };
  }
}
