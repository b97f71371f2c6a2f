import { isValidE164Digits } from '../phones/phone.js';
import { buildTemplateContext, compileTemplate, type RenderFailure } from '../templating/template.js';
import { isIanaTimeZone } from '../time/timeZones.js';
import { type CampaignPurpose, consentRefusal } from './consent.js';
import { type MessageSize, messageTooLong } from './messageLimits.js';
import { renderWhatsAppTemplateValues, type WhatsAppTemplate } from './whatsappTemplate.js';
import { renderWhatsAppTemplate } from './whatsappTemplateMarkup.js';

/**
 * One campaign message for one recipient, composed the same way wherever it is needed — by the
 * worker before it sends, by the preview, by a test send — so what a user previews is what is sent:
 * the template with the contact's attributes, the campaign's variables and (for a reminder) its
 * appointment, read in the recipient's time zone, then held to the transport's length limit. A
 * campaign with a WhatsApp template sends the template's @HSM@ markup, its variables rendered the
 * same way; one with an attachment sends its URL too (with no text, when it has no template).
 */
export interface MessageCampaign {
  name: string;
  transport: string;
  /** Empty when the campaign has no `template` (a WhatsApp template message, or a file alone). */
  templateSource: string;
  /** The campaign's own template values (`variables`), the same for every recipient. */
  variables: Record<string, unknown>;
  /** When set, the message is this template's markup and templateSource is not used. */
  whatsappTemplate?: WhatsAppTemplate | null;
  /** The URL of a file sent with every message. */
  attachment?: string | null;
}

export interface MessageRecipient {
  phone: string;
  name: string | null;
  timezone: string | null;
  attributes: Record<string, unknown>;
}

export interface MessageAppointment {
  externalId: string;
  startsAt: Date;
  timezone: string | null;
  attributes: Record<string, unknown>;
}

export type ComposedMessage =
  /** `text` is empty for a message that is the attachment alone. */
  | { ok: true; text: string; attachment: string | null }
  | RenderFailure
  | { ok: false; problem: 'message_too_long'; detail: string; size: MessageSize };

export type MessageFailure = Exclude<ComposedMessage, { ok: true }>;

export function composeMessage(
  campaign: MessageCampaign,
  recipient: MessageRecipient,
  where: { timezone: string; appointment?: MessageAppointment | null | undefined },
): ComposedMessage {
  const context = buildTemplateContext(recipient, {
    campaign: { name: campaign.name },
    variables: campaign.variables,
    timezone: where.timezone,
    ...(where.appointment ? { appointment: appointmentTemplateValues(where.appointment) } : {}),
  });
  const rendered = campaign.whatsappTemplate
    ? whatsappTemplateText(campaign.whatsappTemplate, context)
    : compileTemplate(campaign.templateSource).render(context);
  if (!rendered.ok) return rendered;
  const tooLong = messageTooLong(rendered.text, campaign.transport);
  if (tooLong) return { ok: false, problem: 'message_too_long', detail: tooLong.reason, size: tooLong.size };
  return { ok: true, text: rendered.text, attachment: campaign.attachment ?? null };
}

function whatsappTemplateText(
  template: WhatsAppTemplate,
  context: Record<string, unknown>,
): { ok: true; text: string } | RenderFailure {
  const values = renderWhatsAppTemplateValues(template, context);
  return values.ok ? { ok: true, text: renderWhatsAppTemplate(values.values) } : values;
}

/** Why a contact is not messaged at all (consent, a phone that is no number), before any rendering. */
export type RecipientRefusal = {
  ok: false;
  problem: 'opted_out' | 'no_consent' | 'invalid_phone';
  detail: string;
};

export function recipientRefusal(
  purpose: CampaignPurpose,
  contact: { phone: string; optedInAt: Date | null; optedOutAt: Date | null },
): RecipientRefusal | null {
  const consent = consentRefusal(purpose, contact);
  if (consent === 'opted_out')
    return { ok: false, problem: 'opted_out', detail: 'the contact has opted out' };
  if (consent === 'no_consent') {
    return {
      ok: false,
      problem: 'no_consent',
      detail: 'a marketing campaign needs a recorded opt-in, and the contact has none',
    };
  }
  // A number stored by an older version without its country code would reach another country.
  if (!isValidE164Digits(contact.phone)) {
    return { ok: false, problem: 'invalid_phone', detail: `+${contact.phone} is not a phone number in use` };
  }
  return null;
}

/** What a reminder's template sees as `appointment`: its attributes, its start (ISO), external id and zone. */
function appointmentTemplateValues(appointment: MessageAppointment): Record<string, unknown> {
  return {
    ...appointment.attributes,
    startsAt: appointment.startsAt.toISOString(),
    externalId: appointment.externalId,
    timezone: appointment.timezone,
  };
}

/**
 * The zone the recipient lives by: the contact's, else the appointment's, else the campaign's, else
 * the engine's. A name Intl does not know (a hand-edited row) is passed over rather than failing.
 */
export function recipientTimeZone(
  zones: { contact: string | null; appointment?: string | null | undefined; campaign: string | null },
  defaultTimeZone: string,
): string {
  return (
    [zones.contact, zones.appointment, zones.campaign].find((zone) => isIanaTimeZone(zone)) ?? defaultTimeZone
  );
}
