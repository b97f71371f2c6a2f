import type { Chat2DeskClient } from '../chat2desk/client.js';
import { Chat2DeskError } from '../chat2desk/errors.js';
import type { Transport } from '../chat2desk/types.js';
import type { Clock } from '../clock.js';
import type { Sql } from '../db/database.js';
import type { Logger } from '../logger.js';
import { prepareMessage } from '../messages/prepareMessage.js';
import { CampaignLimiters } from './campaignLimiters.js';
import type { CampaignPauser } from './campaignPauser.js';
import { type Chat2DeskGate, whileHolding } from './chat2deskGate.js';
import { ClaimSettler } from './claimSettler.js';
import { directorySyncHoldsUntil } from './clientDirectory.js';
import { skipReason } from './deliveryOutcomes.js';
import {
  addTransportAfterRefusal,
  type ClientResolutionDeps,
  ensureChat2DeskClient,
  type ResolvedChat2DeskClient,
} from './ensureChat2DeskClient.js';
import { type FailureAction, failureAction } from './failurePolicy.js';
import { findAcceptedMessage } from './findAcceptedMessage.js';
import type { RatePermit } from './rateLimiter.js';
import { timingAfterWhatsAppDelay, timingBeforeSend } from './sendTiming.js';
import type { ClaimedDelivery } from './sql/claimDueDeliveries.js';
import { forgetChat2DeskClient } from './sql/forgetChat2DeskClient.js';
import type { MoveBatcher } from './sql/moveDeliveries.js';
import { REASONS } from './states.js';
import { transportCapabilitiesOf } from './transportCapabilities.js';
import type { WorkerFailureCounts } from './worker.js';

export interface DeliverySenderOptions {
  sql: Sql;
  client: Chat2DeskClient;
  gate: Chat2DeskGate;
  clock: Clock;
  whatsappDelayMs: number;
  defaultTimezone: string;
  admissionHorizonMs: number;
  rateMarginMs: number;
  realTime: () => number;
  random: () => number;
  pauseCampaign: CampaignPauser;
}

/**
 * One claimed delivery's way to a final or waiting state, for its worker: consent re-checked, a
 * reminder's appointment and the campaign's send window checked (see sendTiming.ts), template
 * rendered, Chat2Desk client found or created, the WhatsApp new-client delay honoured, replies read
 * since it was due, admission taken, then the send recorded as `sending` BEFORE the request and as
 * `sent` after it. A delivery found in `sending` later (a crash, a lost answer) is reconciled with
 * Chat2Desk before it may be sent again.
 */
export class DeliverySender {
  readonly #o: DeliverySenderOptions;
  readonly #logger: Logger;
  readonly #settler: ClaimSettler;
  readonly #replies: { checkedSince(at: Date): Promise<void> } | undefined;
  readonly #failures: WorkerFailureCounts;
  readonly #campaignLimiters: CampaignLimiters;

  constructor(
    options: DeliverySenderOptions,
    worker: {
      workerId: string;
      logger: Logger;
      moves: MoveBatcher;
      replies: { checkedSince(at: Date): Promise<void> } | undefined;
      failures: WorkerFailureCounts;
    },
  ) {
    this.#o = options;
    this.#logger = worker.logger;
    this.#settler = new ClaimSettler({
      sql: options.sql,
      clock: options.clock,
      random: options.random,
      workerId: worker.workerId,
      logger: worker.logger,
      moves: worker.moves,
    });
    this.#replies = worker.replies;
    this.#failures = worker.failures;
    this.#campaignLimiters = new CampaignLimiters({
      sql: options.sql,
      rateMarginMs: options.rateMarginMs,
      longestRequestMs: options.client.longestRequestMs,
      realTime: options.realTime,
    });
  }

  /**
   * Everything up to the send, then the send: no wait happens in `sending`. The delivery takes its
   * admission (its campaign's pace, within a short horizon, the quota and the account's rate limit)
   * while still queued or waiting; then one statement records `sending`, if this claim still holds
   * and the campaign still runs; only after that commit does the request start.
   */
  async process(d: ClaimedDelivery): Promise<void> {
    if (d.state === 'sending') return this.#reconcile(d, 'recovered');
    let ready: ReadyToSend | undefined;
    try {
      ready = await this.#prepare(d);
    } catch (error) {
      return this.#handleFailure(d, error, 'prepare');
    }
    if (!ready) return;
    const { text, clientId, permit } = ready;

    const sendingAt = this.#o.clock.now();
    let recorded: boolean;
    try {
      recorded = await this.#settler.move(d, 'sending', null, {
        renderedText: text,
        chat2deskClientId: clientId,
        attempts: d.attempts + 1,
      });
    } catch (error) {
      await permit.release();
      throw error;
    }
    if (!recorded) {
      // Cancelled, opted out, paused or taken over meanwhile: no request. A claim still ours (its
      // campaign paused) is let go; the others were moved by whoever took them.
      await permit.release();
      await this.#settler.release(d);
      return;
    }
    const sending: ClaimedDelivery = {
      ...d,
      state: 'sending',
      attempts: d.attempts + 1,
      sendingAt,
      renderedText: text,
      chat2deskClientId: clientId,
    };

    let messageId: number | null;
    try {
      const answer = await whileHolding(permit, () =>
        this.#o.client.sendMessage({
          clientId: Number(clientId),
          // A file alone goes without text (the manual: text is required unless attachment is given).
          ...(text !== '' ? { text } : {}),
          ...(ready.attachment ? { attachment: ready.attachment } : {}),
          transport: d.transport as Transport,
          ...(d.channelId !== null ? { channelId: d.channelId } : {}),
        }),
      );
      messageId = answer.message_id ?? null;
    } catch (error) {
      // Ambiguous (no answer), or not a Chat2Desk answer at all: only reconciliation may decide.
      if (!(error instanceof Chat2DeskError) || error.ambiguous) {
        return this.#reconcile(sending, error instanceof Chat2DeskError ? error.code : 'unexpected_error');
      }
      return this.#handleFailure(sending, error, 'send');
    }
    await this.#settler.move(sending, 'sent', null, { chat2deskMessageId: messageId, release: true });
  }

  /**
   * The checks and waits before a send, each settling the delivery when it says "not now": consent,
   * timing, the template, the Chat2Desk client and the WhatsApp delay, replies read since it was due,
   * then admission. Returns what the send needs, or undefined when the delivery was settled.
   */
  async #prepare(d: ClaimedDelivery): Promise<ReadyToSend | undefined> {
    const now = this.#o.clock.now();
    // Prepared as the preview and a test send prepare it; its outcomes are taken in this order:
    // consent, then time (window, appointment), then the message itself.
    const { refusal, timezone, message } = prepareMessage(
      {
        name: d.campaignName,
        transport: d.transport,
        templateSource: d.templateSource,
        variables: d.templateVariables,
        whatsappTemplate: d.whatsappTemplate,
        attachment: d.attachmentUrl,
        purpose: d.purpose,
        timezone: d.campaignTimezone,
      },
      {
        phone: d.phone,
        name: d.contactName,
        timezone: d.contactTimezone,
        attributes: d.attributes ?? {},
        optedInAt: d.optedInAt,
        optedOutAt: d.optedOutAt,
      },
      { appointment: d.appointment, defaultTimezone: this.#o.defaultTimezone },
    );
    if (refusal)
      return void (await this.#settler.settle(
        d,
        'skipped',
        skipReason(refusal),
        {},
        { detail: refusal.detail },
      ));

    const timing = timingBeforeSend(d, now, timezone);
    if (timing.action !== 'send') return void (await this.#settler.holdBack(d, timing));

    if (!message.ok) {
      // Why a present value could not be used, or how long the message came out: kept with the event.
      const details = 'detail' in message ? { detail: message.detail } : undefined;
      return void (await this.#settler.settle(d, 'skipped', skipReason(message), {}, details));
    }
    if (message.attachment && !(await this.#attachmentGoes(d, message.attachment))) return;
    const client = await this.#chat2deskClientFor(d, now);
    if (!client) return;

    if (d.transport === 'whatsapp' && client.whatsappAddedAt) {
      const allowedAt = new Date(client.whatsappAddedAt.getTime() + this.#o.whatsappDelayMs);
      const delayed = timingAfterWhatsAppDelay(d, allowedAt, this.#o.clock.now());
      if (delayed.action !== 'send') {
        return void (await this.#settler.holdBack(d, delayed, { chat2deskClientId: client.clientId }));
      }
    }

    // A STOP that reached Chat2Desk before this message was due is applied first (and skips it).
    await this.#replies?.checkedSince(d.dueAt);

    let admission: Awaited<ReturnType<Chat2DeskGate['admitMessage']>>;
    try {
      admission = await this.#o.gate.admitMessage(this.#campaignLimiters.of(d), this.#o.admissionHorizonMs);
    } catch (error) {
      return void (await this.#handleFailure(d, error, 'admit'));
    }
    if ('notBefore' in admission) {
      // The campaign's pace has no slot soon: back to waiting for it, the worker free for others.
      const waitMs = Math.max(0, admission.notBefore - this.#o.realTime());
      const nextAttemptAt = new Date(this.#o.clock.now().getTime() + waitMs);
      return void (await this.#settler.settle(d, 'waiting', REASONS.rateLimited, {
        nextAttemptAt,
        chat2deskClientId: client.clientId,
      }));
    }
    return {
      text: message.text,
      attachment: message.attachment,
      clientId: client.clientId,
      permit: admission.permit,
    };
  }

  /** Whether the transport takes the file (the transports help, cached an hour); settles it when not. */
  async #attachmentGoes(d: ClaimedDelivery, attachment: string): Promise<boolean> {
    let refusal: string | null;
    try {
      refusal = await transportCapabilitiesOf(this.#o.client, this.#o.gate).attachmentRefusal(
        d.transport,
        attachment,
      );
    } catch (error) {
      await this.#handleFailure(d, error, 'transports_help');
      return false;
    }
    if (refusal)
      await this.#settler.settle(d, 'skipped', REASONS.attachmentNotSupported, {}, { detail: refusal });
    return refusal === null;
  }

  /**
   * The contact's Chat2Desk client (found, created, or learnt from the directory); undefined when the
   * delivery was settled instead: held while the directory is learnt, skipped when Chat2Desk has no
   * such client and may not create one, or failed.
   */
  async #chat2deskClientFor(d: ClaimedDelivery, now: Date): Promise<ResolvedChat2DeskClient | undefined> {
    if (!d.contactClientId && !d.chat2deskClientId) {
      // The account's directory is being learnt: this contact may be a client already (no creation, no wait).
      const heldUntil = await directorySyncHoldsUntil(this.#o.sql, now);
      if (heldUntil) {
        await this.#settler.settle(d, 'waiting', REASONS.clientDirectorySync, { nextAttemptAt: heldUntil });
        return undefined;
      }
    }
    try {
      const resolved = await ensureChat2DeskClient(this.#clientDeps(), d, now);
      if (!resolved) await this.#settler.settle(d, 'skipped', REASONS.clientNotInChat2Desk);
      return resolved ?? undefined;
    } catch (error) {
      await this.#handleFailure(d, error, 'create_client');
      return undefined;
    }
  }

  /** A send whose outcome is unknown: did Chat2Desk accept it? Only a clear "no" allows sending again. */
  async #reconcile(d: ClaimedDelivery, cause: string): Promise<void> {
    if (!d.chat2deskClientId || d.renderedText === null || !d.sendingAt) {
      // Recorded as sending without the means to have sent: nothing can have gone out.
      return this.#settler.retry(d, cause);
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
      await this.#settler.move(
        d,
        'sent',
        null,
        { chat2deskMessageId: found.id, release: true },
        { reconciled: cause },
      );
    } else {
      await this.#settler.retry(d, cause, { reconciled: 'not_found' });
    }
  }

  async #handleFailure(d: ClaimedDelivery, error: unknown, step: string): Promise<void> {
    return this.#carryOut(failureAction(error, d, step), d, error, step);
  }

  async #carryOut(action: FailureAction, d: ClaimedDelivery, error: unknown, step: string): Promise<void> {
    switch (action.act) {
      case 'pause':
        await this.#pauseCampaign(d, action.reason);
        return this.#settler.putBack(d);
      case 'retry':
        return this.#settler.retry(d, action.cause);
      case 'add_transport': {
        // Chat2Desk's creation adds the transport; the next attempt waits the new-client delay where one applies.
        const added = await addTransportAfterRefusal(this.#clientDeps(), d, this.#o.clock.now()).catch(
          (failure: unknown) => {
            this.#logger.warn(
              { err: failure, deliveryId: d.id },
              'could not add the transport to the client',
            );
            return false;
          },
        );
        if (added) return this.#settler.retry(d, 'client_not_on_transport', { transport: d.transport });
        return this.#carryOut(action.otherwise, d, error, step);
      }
      case 'forget_client': {
        // The id was another account's or merged away: the next attempt resolves the client again by
        // phone (or skips the contact as not in Chat2Desk), within the attempts.
        const clientId = d.chat2deskClientId as string;
        await forgetChat2DeskClient(this.#o.sql, {
          contactId: d.contactId,
          clientId,
          now: this.#o.clock.now(),
        });
        return this.#settler.retry(d, 'client_not_found', { clientId }, { chat2deskClientId: null });
      }
      case 'fail':
        return this.#settler.settle(d, 'failed', action.reason, {}, { step });
      case 'database':
        // The claim is taken up again once the database answers (see DeliveryDispatch).
        throw error;
      case 'internal': {
        // Recorded with its message, retried with back-off, then failed: never claimed again and again
        // without an outcome.
        this.#failures.processing++;
        this.#logger.error({ err: error, deliveryId: d.id, step }, 'delivery failed unexpectedly');
        const message = error instanceof Error ? error.message : String(error);
        if (d.state === 'sending') return this.#reconcile(d, 'unexpected_error');
        return this.#settler.retry(d, 'internal_error', { step, error: message.slice(0, 500) });
      }
    }
  }

  /** Pauses the campaign for the quota or the token; a failure to do so is logged and counted. */
  async #pauseCampaign(d: ClaimedDelivery, reason: string): Promise<void> {
    try {
      // False: already paused or cancelled (by another worker or a person): nothing to add.
      if (await this.#o.pauseCampaign(d.campaignId, reason, this.#o.clock.now())) {
        this.#logger.warn({ campaignId: d.campaignId, reason }, 'campaign paused');
      }
    } catch (error) {
      this.#failures.campaignPause++;
      this.#logger.error({ err: error, campaignId: d.campaignId, reason }, 'could not pause the campaign');
    }
  }

  #clientDeps(): ClientResolutionDeps {
    return {
      sql: this.#o.sql,
      client: this.#o.client,
      gate: this.#o.gate,
      logger: this.#logger,
      clock: this.#o.clock,
    };
  }
}

/** What a delivery needs once admitted: its text (and file), its client, and the permit it holds. */
interface ReadyToSend {
  /** Empty for a message that is its attachment alone. */
  text: string;
  attachment: string | null;
  clientId: string;
  permit: RatePermit;
}
