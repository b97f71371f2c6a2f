import type { Chat2DeskClient } from '../chat2desk/client.js';
import type { Transport } from '../chat2desk/types.js';
import type { Clock } from '../clock.js';
import { ContactNotFoundError, phoneDigits } from '../contacts/contacts.js';
import type { Sql } from '../db/database.js';
import type { Chat2DeskGate } from '../delivery/chat2deskGate.js';
import { ensureChat2DeskClient } from '../delivery/ensureChat2DeskClient.js';
import { BroadcasterError } from '../errors.js';
import type { MessageFailure } from '../messages/composeMessage.js';
import { CONSENT_RULES } from '../messages/consent.js';
import type { PhoneRegion } from '../phones/phone.js';
import { findContactByPhone, loadCampaign, prepareFor } from './preview.js';

export interface TestSendDeps {
  sql: Sql;
  client: Chat2DeskClient;
  gate: Chat2DeskGate;
  clock: Clock;
  whatsappDelayMs: number;
  defaultTimezone?: string;
  phoneRegion: PhoneRegion;
}

export interface TestSendResult {
  campaignId: number;
  contactId: number;
  phone: string;
  transport: string;
  chat2deskClientId: string;
  /** Chat2Desk's id of the message; null on API versions that do not answer with it (v1.08). */
  messageId: number | null;
  /** As sent: a WhatsApp template's @HSM@ markup; empty for a file alone. */
  text: string;
  /** The URL of the file sent with it, when the campaign has one. */
  attachment?: string;
}

/** Why a test message was not sent; the code says what to do (`whatsapp_delay`: retry at retryAt). */
export class TestSendRefusedError extends BroadcasterError {}

/**
 * Sends a campaign's message, composed for one known contact as the worker composes it, to that
 * contact now: a check of the template and the channel, not a delivery of the campaign (no run, no
 * delivery record). The same rules hold as for deliveries: an opted-out contact is refused, a
 * marketing campaign needs the contact's recorded opt-in, the message must fit its transport, every
 * request goes through the gate (rate limit and quota), and a client just created on WhatsApp is not
 * written to before the new-client delay.
 */
export async function sendTestMessage(
  deps: TestSendDeps,
  campaignId: number,
  rawPhone: string,
): Promise<TestSendResult> {
  const campaign = await loadCampaign(deps.sql, campaignId);
  const phone = phoneDigits(rawPhone, deps.phoneRegion);
  const contact = await findContactByPhone(deps.sql, phone);
  if (!contact) throw new ContactNotFoundError({ phone });
  const who = { campaignId, contactId: contact.id, phone };
  const now = deps.clock.now();
  // Prepared as the worker prepares it: consent for the campaign's purpose, a phone that is a number,
  // the recipient's zone, the text within the transport's limits.
  const { refusal, message } = await prepareFor(deps.sql, campaign, contact, {
    now,
    ...(deps.defaultTimezone ? { defaultTimezone: deps.defaultTimezone } : {}),
  });
  if (refusal) {
    const code = refusal.problem === 'opted_out' ? 'contact_opted_out' : refusal.problem;
    throw new TestSendRefusedError(code, `contact ${contact.id}: ${refusal.detail}`, {
      ...who,
      rule: CONSENT_RULES[campaign.purpose],
    });
  }
  if (!message.ok) throw messageRefusal(message, contact.id, who);

  const transport = campaign.transport;
  const channel = campaign.channelId !== null ? { channelId: campaign.channelId } : {};
  const resolved = await ensureChat2DeskClient(
    deps,
    {
      contactId: contact.id,
      phone,
      transport,
      channelId: campaign.channelId,
      contactClientId: contact.chat2deskClientId,
      contactTransports: contact.chat2deskTransports,
      whatsappAddedAt: contact.whatsappAddedAt,
    },
    now,
  );
  if (!resolved) {
    throw new TestSendRefusedError(
      'chat2desk_client_not_found',
      `Chat2Desk has no client with phone ${phone} on ${transport}`,
      { contactId: contact.id, phone, transport },
    );
  }
  const { clientId, whatsappAddedAt } = resolved;
  if (transport === 'whatsapp' && whatsappAddedAt) {
    const allowedAt = new Date(whatsappAddedAt.getTime() + deps.whatsappDelayMs);
    if (allowedAt > now) {
      throw new TestSendRefusedError(
        'whatsapp_delay',
        `the WhatsApp client was just created: Chat2Desk takes messages to it from ${allowedAt.toISOString()}`,
        { ...who, retryAt: allowedAt.toISOString() },
      );
    }
  }
  const answer = await deps.gate.call(() =>
    deps.client.sendMessage({
      clientId: Number(clientId),
      ...(message.text !== '' ? { text: message.text } : {}),
      ...(message.attachment ? { attachment: message.attachment } : {}),
      transport: transport as Transport,
      ...channel,
    }),
  );
  return {
    campaignId,
    contactId: contact.id,
    phone,
    transport,
    chat2deskClientId: String(clientId),
    messageId: answer.message_id ?? null,
    text: message.text,
    ...(message.attachment ? { attachment: message.attachment } : {}),
  };
}

/** Why the message could not be composed for the contact, as the refusal a test send answers. */
function messageRefusal(
  failure: MessageFailure,
  contactId: number,
  who: Record<string, unknown>,
): TestSendRefusedError {
  switch (failure.problem) {
    case 'missing_variable':
      return new TestSendRefusedError(
        'missing_variable',
        `the template needs "${failure.variable}", which contact ${contactId} lacks`,
        { ...who, variable: failure.variable },
      );
    case 'invalid_variable':
      return new TestSendRefusedError(
        'invalid_variable',
        `the template needs "${failure.variable}", which contact ${contactId} has but cannot be used: ${failure.detail}`,
        { ...who, variable: failure.variable, detail: failure.detail },
      );
    case 'render_limit':
    case 'message_too_long':
      return new TestSendRefusedError(failure.problem, `for contact ${contactId}: ${failure.detail}`, {
        ...who,
        detail: failure.detail,
      });
  }
}
