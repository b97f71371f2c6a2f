import {
  type ComposedMessage,
  composeMessage,
  type MessageAppointment,
  type MessageCampaign,
  type MessageRecipient,
  type RecipientRefusal,
  recipientRefusal,
  recipientTimeZone,
} from './composeMessage.js';
import type { CampaignPurpose } from './consent.js';

/** A campaign as far as preparing its message goes: its content, consent rule and zone. */
export interface CampaignToPrepare extends MessageCampaign {
  purpose: CampaignPurpose;
  /** The campaign's own zone, for recipients without one. */
  timezone: string | null;
}

export interface RecipientToPrepare extends MessageRecipient {
  optedInAt: Date | null;
  optedOutAt: Date | null;
}

/**
 * The message for one recipient, the zone it was read in, and whether the recipient may get it at
 * all: a refused recipient's message is composed too, so a preview can show both.
 */
export interface PreparedMessage {
  timezone: string;
  /** Why this recipient gets no message (opted out, no consent, no phone in use); null when it may. */
  refusal: RecipientRefusal | null;
  message: ComposedMessage;
}

/**
 * The one way a campaign's message is prepared for a recipient — by the worker before it sends, by
 * the preview, by a test send — so what a user previews is what is sent: consent and the phone
 * (recipientRefusal), the zone the recipient lives by (contact, appointment, campaign, engine), and
 * the text composed in it and held to the transport's limits (composeMessage). When a message may go
 * out (the send window, the WhatsApp delay) is the worker's question, asked in the same zone.
 */
export function prepareMessage(
  campaign: CampaignToPrepare,
  recipient: RecipientToPrepare,
  where: { appointment?: MessageAppointment | null | undefined; defaultTimezone: string },
): PreparedMessage {
  const timezone = recipientTimeZone(
    { contact: recipient.timezone, appointment: where.appointment?.timezone, campaign: campaign.timezone },
    where.defaultTimezone,
  );
  return {
    timezone,
    refusal: recipientRefusal(campaign.purpose, recipient),
    message: composeMessage(campaign, recipient, { timezone, appointment: where.appointment }),
  };
}
