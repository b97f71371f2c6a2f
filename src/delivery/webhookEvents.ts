import { createHash } from 'node:crypto';
import type postgres from 'postgres';
import type { Sql } from '../db/database.js';
import type { PhoneRegion } from '../phones/phone.js';
import { optOutWithin, StopVocabulary } from './optOut.js';
import { recordOptOutConfirmations } from './optOutConfirmations.js';
import { applyRecipientStatus } from './recipientStatus.js';

/**
 * What a Chat2Desk web hook POSTs, in both generations: v1.08's single hook sends a message as
 * `GET /v1/messages` lists it (`type: from_client`); newer hooks add `hook_type`, `message_id`,
 * `client {id, phone}` and `event_time`, and `outbox_status` events carry `recipient_status`.
 */
export interface WebhookPayload {
  hook_type?: string;
  id?: number;
  message_id?: number;
  type?: string;
  text?: string | null;
  transport?: string;
  channel_id?: number | null;
  client_id?: number;
  client?: { id?: number; phone?: string | null; client_phone?: string | null };
  recipient_status?: string | null;
  status?: string | null;
  /** outbox_status: the error the messenger returned for a failed message. */
  error?: string | { message?: string; text?: string } | null;
  event_time?: string;
  created?: string;
}

/** The mark of a status report kept until a delivery holds its message id. */
export const AWAITING_DELIVERY = 'awaiting_delivery';

export interface WebhookOutcome {
  duplicate: boolean;
  optedOut: boolean;
  statusApplied: boolean;
}

/**
 * Records a web hook call and acts on it once, in one transaction: the event row and what it does
 * (an opt-out, a status) commit together. A replayed call (Chat2Desk retries failed deliveries after
 * 10 s, 5 min and 2 h) finds its event processed and does nothing more; a call whose processing
 * failed left no processed event (only its error), so its retry is applied, never taken for a
 * duplicate. Two deliveries of one event at once: the second waits for the first's row lock.
 */
export async function receiveWebhookEvent(
  sql: Sql,
  payload: WebhookPayload,
  rawBody: string,
  /**
   * phoneRegion: DEFAULT_PHONE_REGION, for a STOP matched by a phone Chat2Desk gave without its country
   * code; stopVocabulary: OPT_OUT_KEYWORDS (the defaults when not given); confirmOptOut: with
   * OPT_OUT_CONFIRMATION_TEXT set, a STOP also records the confirmation its client is owed.
   */
  options: { now: Date; phoneRegion?: PhoneRegion; stopVocabulary?: StopVocabulary; confirmOptOut?: boolean },
): Promise<WebhookOutcome> {
  const vocabulary = options.stopVocabulary ?? StopVocabulary.default;
  const fromClient = payload.type === 'from_client' || payload.hook_type === 'inbox';
  const stop = fromClient && vocabulary.isStop(payload.text);
  const looksLikeStop = fromClient && vocabulary.looksLikeStop(payload.text);
  const messageId = payload.message_id ?? payload.id;
  const kind = payload.hook_type ?? payload.type ?? 'unknown';
  const status = payload.recipient_status ?? payload.status ?? null;
  const dedupeKey =
    messageId !== undefined
      ? `${kind}:${messageId}:${status ?? ''}`
      : `body:${createHash('sha256').update(rawBody).digest('hex')}`;
  const clientId = payload.client?.id ?? payload.client_id;
  const record = (tx: Sql | postgres.TransactionSql, error: string | null) => tx<{ id: string }[]>`
    insert into webhook_events (dedupe_key, hook_type, message_type, chat2desk_client_id, chat2desk_message_id,
                                payload, received_at, error, looks_like_stop)
    values (${dedupeKey}, ${payload.hook_type ?? null}, ${payload.type ?? null},
            ${clientId !== undefined ? String(clientId) : null}, ${messageId !== undefined ? String(messageId) : null},
            ${sql.json(payload as never)}, ${options.now}, ${error}, ${looksLikeStop})
    on conflict (dedupe_key) do update set received_at = excluded.received_at, error = excluded.error
      where webhook_events.processed_at is null
    returning id`;

  try {
    return await sql.begin(async (tx) => {
      const [event] = await record(tx, null);
      if (!event) return { duplicate: true, optedOut: false, statusApplied: false };
      let optedOut = false;
      let statusApplied = false;
      if (stop) {
        const phone = payload.client?.phone ?? payload.client?.client_phone ?? null;
        if (clientId !== undefined || phone) {
          const result = await optOutWithin(
            tx,
            { ...(clientId !== undefined ? { chat2deskClientId: clientId } : {}), phone },
            {
              reason: 'stop_reply',
              now: options.now,
              ...(options.phoneRegion ? { phoneRegion: options.phoneRegion } : {}),
            },
          );
          optedOut = result.contactIds.length > 0;
          if (options.confirmOptOut) {
            const origin = {
              chat2deskClientId: clientId,
              transport: payload.transport,
              channelId: payload.channel_id,
            };
            await recordOptOutConfirmations(tx, result.contactIds, origin, options.now);
          }
        }
      } else if (messageId !== undefined && status) {
        const applied = await applyRecipientStatus(tx, {
          chat2deskMessageId: messageId,
          status,
          now: options.now,
          error: messengerError(payload.error),
        });
        if (applied === 'awaitingDelivery') {
          // Kept unprocessed: applyAwaitedStatuses applies it once the send is recorded (or lets it go).
          await tx`update webhook_events set error = ${AWAITING_DELIVERY} where id = ${event.id}`;
          return { duplicate: false, optedOut, statusApplied: false };
        }
        statusApplied = applied;
      }
      await tx`update webhook_events set processed_at = ${options.now}, error = null where id = ${event.id}`;
      return { duplicate: false, optedOut, statusApplied };
    });
  } catch (error) {
    // Nothing of it was applied: the event is kept unprocessed, with why, for its retry to apply it.
    await record(sql, (error as Error).message.slice(0, 1000)).catch(() => undefined);
    throw error;
  }
}

/** The messenger's words for a failure: a text, or an object holding one; anything else is ignored. */
function messengerError(error: WebhookPayload['error']): string | null {
  if (typeof error === 'string') return error;
  if (typeof error === 'object' && error !== null) {
    const text = error.message ?? error.text;
    return typeof text === 'string' ? text : null;
  }
  return null;
}
