import type { RecipientStatus, SandboxClient, SandboxDialog, SandboxMessage } from './models.js';
import type { WebhookEvent } from './webhookRegistry.js';

/** The text a messenger's refusal reaches outbox_status with, for a number that cannot be reached. */
export const UNDELIVERABLE_ERROR = 'Message undeliverable';

/** One event for today's web hooks: who it is for (type, channel) and what is POSTed. */
export interface HookEvent {
  type: WebhookEvent;
  /** The channel it happened on, for hooks filtered by channel; null when it has none. */
  channelId: number | null;
  payload: Record<string, unknown>;
}

/*
 * Payloads as Chat2Desk's documentation shows them (webhooks (POST), its inbox and outbox examples):
 * the message's fields flat, `client` with `phone` and `client_phone`, `hook_type`, and `event_time`
 * in ISO 8601 with Z, to the second.
 */

export function inboxEvent(client: SandboxClient, message: SandboxMessage, at: Date): HookEvent {
  return messageEvent('inbox', client, message, at, {});
}

export function outboxEvent(client: SandboxClient, message: SandboxMessage, at: Date): HookEvent {
  return messageEvent('outbox', client, message, at, {});
}

/** A status the messenger reported for a sent message; `failed` carries the messenger's error. */
export function outboxStatusEvent(
  client: SandboxClient,
  message: SandboxMessage,
  status: RecipientStatus,
  at: Date,
): HookEvent {
  return messageEvent('outbox_status', client, message, at, {
    recipient_status: status,
    ...(status === 'failed' ? { error: UNDELIVERABLE_ERROR } : {}),
  });
}

export function closeDialogEvent(client: SandboxClient, dialog: SandboxDialog, at: Date): HookEvent {
  return {
    type: 'close_dialog',
    channelId: null,
    payload: {
      dialog_id: dialog.id,
      client_id: client.id,
      operator_id: dialog.operatorId,
      client: hookClient(client),
      hook_type: 'close_dialog',
      event_time: hookTime(at),
    },
  };
}

function messageEvent(
  type: WebhookEvent,
  client: SandboxClient,
  message: SandboxMessage,
  at: Date,
  extra: Record<string, unknown>,
): HookEvent {
  return {
    type,
    channelId: message.channelId,
    payload: {
      message_id: message.id,
      type: message.type,
      text: message.text,
      transport: message.transport,
      client_id: client.id,
      operator_id: message.operatorId,
      dialog_id: message.dialogId,
      channel_id: message.channelId,
      photo: message.attachment,
      coordinates: message.coordinates,
      attachments: [],
      client: hookClient(client),
      hook_type: type,
      request_id: message.requestId,
      ...extra,
      event_time: hookTime(at),
    },
  };
}

function hookClient(client: SandboxClient) {
  return {
    id: client.id,
    phone: client.phone,
    client_phone: client.phone,
    name: client.name,
    assigned_name: client.assignedName,
    external_id: client.externalId,
  };
}

/** `2019-07-28T23:01:40Z`, as the documentation's examples write it. */
function hookTime(at: Date): string {
  return at.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
