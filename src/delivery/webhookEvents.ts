import { createHash } from 'node:crypto';
import type { Sql } from '../db/database.js';
import { isStopMessage, optOutContact } from './optOut.js';
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
  client_id?: number;
  client?: { id?: number; phone?: string | null; client_phone?: string | null };
  recipient_status?: string | null;
  status?: string | null;
  event_time?: string;
  created?: string;
}

export interface WebhookOutcome {
  duplicate: boolean;
  optedOut: boolean;
  statusApplied: boolean;
}

/**
 * Records a web hook call and acts on it once: a replayed call (Chat2Desk retries failed deliveries
 * after 10 s, 5 min and 2 h) finds its dedupe key taken and does nothing more.
 */
export async function receiveWebhookEvent(
  sql: Sql,
  payload: WebhookPayload,
  rawBody: string,
  options: { now: Date },
): Promise<WebhookOutcome> {
  const messageId = payload.message_id ?? payload.id;
  const kind = payload.hook_type ?? payload.type ?? 'unknown';
  const status = payload.recipient_status ?? payload.status ?? null;
  const dedupeKey =
    messageId !== undefined
      ? `${kind}:${messageId}:${status ?? ''}`
      : `body:${createHash('sha256').update(rawBody).digest('hex')}`;
  const clientId = payload.client?.id ?? payload.client_id;

  const inserted = await sql<{ id: string }[]>`
    insert into webhook_events (dedupe_key, hook_type, message_type, chat2desk_client_id, chat2desk_message_id,
                                payload, received_at)
    values (${dedupeKey}, ${payload.hook_type ?? null}, ${payload.type ?? null},
            ${clientId !== undefined ? String(clientId) : null}, ${messageId !== undefined ? String(messageId) : null},
            ${sql.json(payload as never)}, ${options.now})
    on conflict (dedupe_key) do nothing
    returning id`;
  if (inserted.length === 0) return { duplicate: true, optedOut: false, statusApplied: false };

  let optedOut = false;
  let statusApplied = false;
  try {
    if ((payload.type === 'from_client' || payload.hook_type === 'inbox') && isStopMessage(payload.text)) {
      const phone = payload.client?.phone ?? payload.client?.client_phone ?? undefined;
      const who = clientId !== undefined ? { chat2deskClientId: clientId } : phone ? { phone } : undefined;
      if (who) {
        const result = await optOutContact(sql, who, { reason: 'stop_reply', now: options.now });
        optedOut = result.contactIds.length > 0;
      }
    } else if (messageId !== undefined && status) {
      statusApplied = await applyRecipientStatus(sql, {
        chat2deskMessageId: messageId,
        status,
        now: options.now,
      });
    }
    await sql`update webhook_events set processed_at = ${options.now} where id = ${inserted[0]!.id}`;
  } catch (error) {
    await sql`update webhook_events set error = ${(error as Error).message} where id = ${inserted[0]!.id}`;
    throw error;
  }
  return { duplicate: false, optedOut, statusApplied };
}
