import { randomBytes } from 'node:crypto';
import pLimit from 'p-limit';
import { changeCampaignStatus } from '../campaigns/lifecycle.js';
import type { Chat2DeskClient } from '../chat2desk/client.js';
import { Chat2DeskAuthError, Chat2DeskError, Chat2DeskQuotaExhaustedError } from '../chat2desk/errors.js';
import type { Transport } from '../chat2desk/types.js';
import type { Clock } from '../clock.js';
import { DELIVERIES_CHANNEL } from '../db/channels.js';
import type { Sql } from '../db/database.js';
import { isDatabaseUnavailable } from '../db/unavailable.js';
import { type Logger, silentLogger } from '../logger.js';
import { MAX_SEND_ATTEMPTS, retryDelayMs } from './backoff.js';
import { type Chat2DeskGate, QuotaGuardError, whileHolding } from './chat2deskGate.js';
import { ensureChat2DeskClient, type ResolvedChat2DeskClient } from './ensureChat2DeskClient.js';
import { findAcceptedMessage } from './findAcceptedMessage.js';
import { type RatePermit, SharedRateLimiter } from './rateLimiter.js';
import { renderDeliveryText } from './renderDeliveryText.js';
import {
  recipientTimeZone,
  type SendTiming,
  timingAfterWhatsAppDelay,
  timingBeforeSend,
} from './sendTiming.js';
import {
  type ClaimedDelivery,
  claimDueDeliveries,
  claimStaleSending,
  reclaimOwnDeliveries,
  releaseDeliveries,
} from './sql/claimDueDeliveries.js';
import { MoveBatcher } from './sql/moveDeliveries.js';
import type { MoveDelivery } from './sql/moveDelivery.js';
import { REASONS } from './states.js';

export interface DeliveryWorkerOptions {
  sql: Sql;
  client: Chat2DeskClient;
  gate: Chat2DeskGate;
  clock: Clock;
  whatsappDelayMs: number;
  defaultTimezone?: string;
  logger?: Logger;
  workerId?: string;
  /** Deliveries claimed at a time. */
  batchSize?: number;
  /** Deliveries in flight at once (Chat2Desk requests overlap; the rate limiter still paces them). */
  concurrency?: number;
  /** How long a claim holds before another worker may take it over (a crashed worker's). */
  leaseMs?: number;
  /** Real-time pause between polls when idle (a NOTIFY wakes the worker sooner). */
  idlePollMs?: number;
  random?: () => number;
}

/**
 * Claims due deliveries and takes each to a final or waiting state: consent re-checked, a reminder's
 * appointment and the campaign's send window checked (see sendTiming.ts), template rendered, Chat2Desk
 * client found or created, the WhatsApp new-client delay honoured, then the send
 * recorded as `sending` BEFORE the request and as `sent` after it. A delivery found in `sending`
 * later (a crash, a lost answer) is reconciled with Chat2Desk before it may be sent again.
 */
export class DeliveryWorker {
  readonly workerId: string;
  readonly #o: Required<Omit<DeliveryWorkerOptions, 'logger' | 'workerId' | 'defaultTimezone'>> & {
    defaultTimezone: string;
  };
  readonly #logger: Logger;
  readonly #limit: ReturnType<typeof pLimit>;
  readonly #campaignLimiters = new Map<string, SharedRateLimiter>();
  #running = false;
  #loop: Promise<void> | undefined;
  #wake: (() => void) | undefined;
  #unlisten: (() => Promise<void>) | undefined;
  /** Own claims whose processing broke off because the database went away: taken up again first. */
  readonly #interrupted = new Set<string>();
  /** Deliveries being processed (or waiting for a concurrency slot), for the running loop and stop(). */
  readonly #inFlight = new Set<Promise<void>>();
  #wakeOnFinish = false;
  /** Every state change of this worker's deliveries goes through here: group commit under load. */
  readonly #moves: MoveBatcher;

  constructor(options: DeliveryWorkerOptions) {
    this.workerId = options.workerId ?? `worker-${process.pid}-${randomBytes(3).toString('hex')}`;
    this.#logger = (options.logger ?? silentLogger).child({ workerId: this.workerId });
    this.#o = {
      sql: options.sql,
      client: options.client,
      gate: options.gate,
      clock: options.clock,
      whatsappDelayMs: options.whatsappDelayMs,
      defaultTimezone: options.defaultTimezone ?? 'UTC',
      batchSize: options.batchSize ?? 100,
      concurrency: options.concurrency ?? 16,
      leaseMs: options.leaseMs ?? 120_000,
      idlePollMs: options.idlePollMs ?? 250,
      random: options.random ?? Math.random,
    };
    this.#limit = pLimit(this.#o.concurrency);
    this.#moves = new MoveBatcher(this.#o.sql);
  }

  /**
   * One round: take up own interrupted work, recover stale sends, claim due deliveries, process them
   * all. Returns how many it handled. (The running loop, start(), does not wait for a whole round.)
   */
  async runOnce(): Promise<number> {
    const claimed = await this.#claim(this.#o.batchSize);
    await Promise.all(claimed.map((d) => this.#dispatch(d)));
    return claimed.length;
  }

  /** Runs rounds until nothing is due (by the engine clock): for tests and the demo. */
  async drain(maxRounds = 10_000): Promise<void> {
    for (let round = 0; round < maxRounds; round++) {
      if ((await this.runOnce()) === 0) return;
    }
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#loop = this.#run();
  }

  async stop(): Promise<void> {
    this.#running = false;
    this.#wake?.();
    await this.#loop;
    await Promise.all(this.#inFlight);
    await this.#unlisten?.();
  }

  /** Up to `limit` deliveries for this worker: its own interrupted ones, stale sends, then due ones. */
  async #claim(limit: number): Promise<ClaimedDelivery[]> {
    const { sql, clock, leaseMs } = this.#o;
    const claim = { workerId: this.workerId, now: clock.now(), leaseMs };
    const interrupted = await reclaimOwnDeliveries(sql, { ...claim, ids: [...this.#interrupted] });
    const stale = await claimStaleSending(sql, {
      ...claim,
      limit: Math.max(0, limit - interrupted.length),
    });
    const due = await claimDueDeliveries(sql, {
      ...claim,
      limit: Math.max(0, limit - interrupted.length - stale.length),
    });
    this.#interrupted.clear();
    return [...interrupted, ...stale, ...due];
  }

  /** Processes one claimed delivery within the concurrency limit; never rejects. */
  #dispatch(d: ClaimedDelivery): Promise<void> {
    const done = this.#limit(() =>
      this.#process(d).catch((error: unknown) => {
        this.#logger.error({ err: error, deliveryId: d.id }, 'delivery processing failed');
        // The database went away mid-way: this worker takes the claim up again once it answers.
        // Any other failure: the claim stays until its lease runs out, then any worker retries it.
        if (isDatabaseUnavailable(error)) this.#interrupted.add(d.id);
      }),
    ).finally(() => {
      this.#inFlight.delete(done);
      if (this.#wakeOnFinish) this.#wake?.();
    });
    this.#inFlight.add(done);
    return done;
  }

  /**
   * The running loop, a pipeline: it claims more as soon as half a batch has finished, instead of
   * waiting for a round's slowest delivery, and sleeps (until a NOTIFY, a finished delivery or the
   * poll interval) when nothing is due.
   */
  async #run(): Promise<void> {
    try {
      const listener = await this.#o.sql.listen(DELIVERIES_CHANNEL, () => this.#wake?.());
      this.#unlisten = () => listener.unlisten();
    } catch (error) {
      this.#logger.warn({ err: error }, 'LISTEN failed; polling only');
    }
    const { batchSize } = this.#o;
    while (this.#running) {
      const room = batchSize - this.#inFlight.size;
      if (room < Math.ceil(batchSize / 2)) {
        // Enough in hand: wait for deliveries to finish (or the poll interval) before claiming more.
        this.#wakeOnFinish = true;
        await this.#pause();
        this.#wakeOnFinish = false;
        continue;
      }
      let claimed = 0;
      try {
        const deliveries = await this.#claim(room);
        for (const d of deliveries) void this.#dispatch(d);
        claimed = deliveries.length;
      } catch (error) {
        this.#logger.error({ err: error }, 'delivery round failed');
      }
      // Nothing due (or the database failed): until a NOTIFY or the poll interval.
      if (claimed === 0 && this.#running) await this.#pause();
    }
  }

  /** Until woken (a NOTIFY, stop(), or a finished delivery when asked) or the poll interval has passed. */
  async #pause(): Promise<void> {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, this.#o.idlePollMs);
      this.#wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    this.#wake = undefined;
  }

  async #process(d: ClaimedDelivery): Promise<void> {
    if (d.state === 'sending') return this.#reconcile(d, 'recovered');
    const now = this.#o.clock.now();

    if (d.optedOutAt) return this.#settle(d, 'skipped', REASONS.optedOut);
    if (d.requireOptIn && !d.optedInAt) return this.#settle(d, 'skipped', REASONS.noConsent);

    const timezone = recipientTimeZone(d, this.#o.defaultTimezone);
    const timing = timingBeforeSend(d, now, timezone);
    if (timing.action !== 'send') return this.#holdBack(d, timing);

    const rendered = renderDeliveryText(d, timezone);
    if (!rendered.ok) return this.#settle(d, 'skipped', REASONS.missingVariable(rendered.missingVariable));

    let client: ResolvedChat2DeskClient;
    try {
      const resolved = await ensureChat2DeskClient(
        {
          sql: this.#o.sql,
          client: this.#o.client,
          gate: this.#o.gate,
          logger: this.#logger,
          clock: this.#o.clock,
        },
        d,
        now,
      );
      if (!resolved) return this.#settle(d, 'failed', REASONS.rejectedByChat2Desk('client_not_found'));
      client = resolved;
    } catch (error) {
      return this.#handleFailure(d, error, 'create_client');
    }

    if (d.transport === 'whatsapp' && client.whatsappAddedAt) {
      const allowedAt = new Date(client.whatsappAddedAt.getTime() + this.#o.whatsappDelayMs);
      const delayed = timingAfterWhatsAppDelay(d, allowedAt, now);
      if (delayed.action !== 'send')
        return this.#holdBack(d, delayed, { chat2deskClientId: client.clientId });
    }

    // Recorded as sending first, then paced: the rate limiter's slot is as close to the request as can be.
    const sendingAt = this.#o.clock.now();
    const claimed = await this.#moves.move({
      id: d.id,
      to: 'sending',
      reason: null,
      now: sendingAt,
      workerId: this.workerId,
      changes: { renderedText: rendered.text, chat2deskClientId: client.clientId, attempts: d.attempts + 1 },
    });
    if (!claimed) return; // cancelled, opted out or taken over meanwhile: not ours to send
    this.#logStateChange(d, 'sending', null);
    const sending: ClaimedDelivery = {
      ...d,
      state: 'sending',
      attempts: d.attempts + 1,
      sendingAt,
      renderedText: rendered.text,
      chat2deskClientId: client.clientId,
    };
    let permit: RatePermit;
    try {
      permit = await this.#o.gate.admit(this.#campaignLimiter(d));
    } catch (error) {
      return this.#handleFailure(sending, error, 'admit');
    }

    let messageId: number | null;
    try {
      const answer = await whileHolding(permit, () =>
        this.#o.client.sendMessage({
          clientId: Number(client.clientId),
          text: rendered.text,
          transport: d.transport as Transport,
          ...(d.channelId !== null ? { channelId: d.channelId } : {}),
        }),
      );
      messageId = answer.message_id ?? null;
    } catch (error) {
      if (error instanceof Chat2DeskError && error.ambiguous) return this.#reconcile(sending, error.code);
      return this.#handleFailure(sending, error, 'send');
    }
    await this.#move(d, 'sent', null, { chat2deskMessageId: messageId, release: true });
  }

  /** A send whose outcome is unknown: did Chat2Desk accept it? Only a clear "no" allows sending again. */
  async #reconcile(d: ClaimedDelivery, cause: string): Promise<void> {
    if (!d.chat2deskClientId || d.renderedText === null || !d.sendingAt) {
      // Recorded as sending without the means to have sent: nothing can have gone out.
      return this.#retry(d, cause);
    }
    let found: Awaited<ReturnType<typeof findAcceptedMessage>>;
    try {
      found = await findAcceptedMessage(
        { client: this.#o.client, gate: this.#o.gate, sql: this.#o.sql },
        {
          id: d.id,
          chat2deskClientId: d.chat2deskClientId,
          renderedText: d.renderedText,
          sendingAt: d.sendingAt,
        },
      );
    } catch (error) {
      // Still unknown: the lease runs out and reconciliation is tried again; never a blind resend.
      this.#logger.warn({ err: error, deliveryId: d.id }, 'could not reconcile a send; will try again');
      return;
    }
    if (found) {
      await this.#move(
        d,
        'sent',
        null,
        { chat2deskMessageId: found.id, release: true },
        { reconciled: cause },
      );
    } else {
      await this.#retry(d, cause, { reconciled: 'not_found' });
    }
  }

  async #handleFailure(d: ClaimedDelivery, error: unknown, step: string): Promise<void> {
    if (error instanceof QuotaGuardError || error instanceof Chat2DeskQuotaExhaustedError) {
      await this.#pauseCampaign(d, 'quota_guard');
      return this.#putBack(d);
    }
    if (error instanceof Chat2DeskAuthError) {
      await this.#pauseCampaign(d, 'chat2desk_auth');
      return this.#putBack(d);
    }
    if (error instanceof Chat2DeskError && error.retryable) return this.#retry(d, error.code);
    if (error instanceof Chat2DeskError) {
      return this.#settle(
        d,
        'failed',
        REASONS.rejectedByChat2Desk(error.apiMessage ?? error.code),
        {},
        { step },
      );
    }
    throw error;
  }

  /** Transient trouble: wait with back-off, or fail once the attempts are spent. */
  async #retry(d: ClaimedDelivery, cause: string, details?: Record<string, unknown>): Promise<void> {
    if (d.attempts >= MAX_SEND_ATTEMPTS) {
      return this.#settle(d, 'failed', REASONS.attemptsExhausted(cause), {}, details);
    }
    const next = new Date(
      this.#o.clock.now().getTime() + retryDelayMs(Math.max(1, d.attempts), this.#o.random),
    );
    await this.#settle(d, 'waiting', REASONS.retry(cause), { nextAttemptAt: next }, details);
  }

  /** Back to the queue unsent, untouched by attempts: its campaign is paused and will resume it. */
  async #putBack(d: ClaimedDelivery): Promise<void> {
    if (d.state === 'sending') {
      await this.#move(d, 'queued', null, { release: true, attempts: Math.max(0, d.attempts - 1) });
    } else {
      await releaseDeliveries(this.#o.sql, [d.id], this.workerId);
    }
  }

  async #pauseCampaign(d: ClaimedDelivery, reason: string): Promise<void> {
    try {
      await changeCampaignStatus(this.#o.sql, d.campaignId, 'paused', { reason, now: this.#o.clock.now() });
      this.#logger.warn({ campaignId: d.campaignId, reason }, 'campaign paused');
    } catch {
      // Already paused (or cancelled) by another worker or a person: nothing to add.
    }
  }

  /** Not now: skipped for good, or waiting (with the claim let go) until the given instant. */
  #holdBack(
    d: ClaimedDelivery,
    timing: Exclude<SendTiming, { action: 'send' }>,
    changes: MoveDelivery['changes'] = {},
  ): Promise<void> {
    if (timing.action === 'skip') return this.#settle(d, 'skipped', timing.reason, changes);
    return this.#settle(d, 'waiting', timing.reason, { ...changes, nextAttemptAt: timing.until });
  }

  #settle(
    d: ClaimedDelivery,
    to: 'waiting' | 'skipped' | 'failed',
    reason: string,
    changes: MoveDelivery['changes'] = {},
    details?: Record<string, unknown>,
  ): Promise<void> {
    return this.#move(d, to, reason, { ...changes, release: true }, details);
  }

  async #move(
    d: ClaimedDelivery,
    to: MoveDelivery['to'],
    reason: string | null,
    changes: MoveDelivery['changes'],
    details?: Record<string, unknown>,
  ): Promise<void> {
    const moved = await this.#moves.move({
      id: d.id,
      to,
      reason,
      now: this.#o.clock.now(),
      workerId: this.workerId,
      changes,
      ...(details ? { details } : {}),
    });
    if (!moved) this.#logger.warn({ deliveryId: d.id, to }, 'delivery moved by someone else first');
    else this.#logStateChange(d, to, reason);
  }

  /** One debug line per state change: enough to follow a delivery, cheap when debug is off. */
  #logStateChange(d: ClaimedDelivery, to: MoveDelivery['to'], reason: string | null): void {
    if (!this.#logger.isLevelEnabled('debug')) return;
    this.#logger.debug(
      { deliveryId: d.id, campaignId: d.campaignId, from: d.state, to, reason },
      'delivery state',
    );
  }

  #campaignLimiter(d: ClaimedDelivery): SharedRateLimiter | undefined {
    if (!d.rateLimitPerSecond) return undefined;
    const name = `campaign:${d.campaignId}`;
    let limiter = this.#campaignLimiters.get(name);
    if (!limiter) {
      limiter = new SharedRateLimiter({
        sql: this.#o.sql,
        name,
        perSecond: d.rateLimitPerSecond,
        longestRequestMs: this.#o.client.longestRequestMs,
      });
      this.#campaignLimiters.set(name, limiter);
    }
    return limiter;
  }
}
