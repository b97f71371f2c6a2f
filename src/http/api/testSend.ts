import { findContactByPhone, loadCampaign, renderFor } from '../../campaigns/preview.js';
import type { Chat2DeskClient } from '../../chat2desk/client.js';
import type { Transport } from '../../chat2desk/types.js';
import type { Clock } from '../../clock.js';
import { ContactNotFoundError, phoneDigits } from '../../contacts/contacts.js';
import type { PhoneRegion } from '../../contacts/phone.js';
import type { Sql } from '../../db/database.js';
import type { Chat2DeskGate } from '../../delivery/chat2deskGate.js';
import { ensureChat2DeskClient } from '../../delivery/ensureChat2DeskClient.js';
import { BroadcasterError } from '../../errors.js';

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
  text: string;
}

/** Why a test message was not sent; the code says what to do (`whatsapp_delay`: retry at retryAt). */
export class TestSendRefusedError extends BroadcasterError {}

/**
 * Sends a campaign's message, rendered for one known contact, to that contact now: a check of the
 * template and the channel, not a delivery of the campaign (no run, no delivery record). The same
 * rules hold as for deliveries: an opted-out contact is refused, consent is required where the
 * campaign requires it, every request goes through the gate (rate limit and quota), and a client
 * just created on WhatsApp is not written to before the new-client delay.
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
  if (contact.optedOutAt) {
    throw new TestSendRefusedError('contact_opted_out', `contact ${contact.id} has opted out`, who);
  }
  if (campaign.requireOptIn && !contact.optedInAt) {
    throw new TestSendRefusedError(
      'no_consent',
      `contact ${contact.id} has no recorded opt-in and campaign ${campaignId} requires one`,
      who,
    );
  }
  const now = deps.clock.now();
  const rendered = await renderFor(deps.sql, campaign, contact, {
    now,
    ...(deps.defaultTimezone ? { defaultTimezone: deps.defaultTimezone } : {}),
  });
  if (!rendered.ok) {
    throw new TestSendRefusedError(
      'missing_variable',
      `the template needs "${rendered.missingVariable}", which contact ${contact.id} lacks`,
      { ...who, variable: rendered.missingVariable, ...(rendered.detail ? { detail: rendered.detail } : {}) },
    );
  }

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
      text: rendered.text,
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
    text: rendered.text,
  };
}
