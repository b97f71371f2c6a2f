import { ContactNotFoundError, phoneDigits } from '../contacts/contacts.js';
import type { Sql } from '../db/database.js';
import { parseSegmentFilter } from '../lists/segmentFilter.js';
import { segmentCondition } from '../lists/segmentSql.js';
import type { MessageCampaign, MessageFailure, RecipientRefusal } from '../messages/composeMessage.js';
import { type CampaignPurpose, CONSENT_RULES } from '../messages/consent.js';
import { type MessageSize, messageSize } from '../messages/messageLimits.js';
import { type PreparedMessage, prepareMessage } from '../messages/prepareMessage.js';
import type { PhoneRegion } from '../phones/phone.js';
import { type AudienceSummary, summariseAudience } from './audienceSummary.js';
import { CampaignNotFoundError } from './errors.js';

/**
 * A campaign's message as one contact would get it, composed as the worker composes it
 * (composeMessage: the same variables, the recipient's time zone, the transport's length limit),
 * with what it comes to on the transport (characters, SMS segments) and the consent rule the
 * campaign applies to this contact.
 */
export interface CampaignPreview {
  campaignId: number;
  /** Whom it was rendered for; null: an invented sample contact (the audience is empty). */
  contact: { id: number; phone: string; name: string | null } | null;
  /** True when no phone was asked for and the first contact of the audience stood in. */
  sample: boolean;
  /** The message could be composed for this contact: `text` is what would be sent. */
  ok: boolean;
  /** Exactly what is sent: for a WhatsApp template, its @HSM@ markup; empty for a file alone. */
  text?: string;
  /** The URL of the file sent with the message, when the campaign has one. */
  attachment?: string;
  /** Characters and the transport's limit; for SMS the segments too. */
  size?: MessageSize;
  /** Why it could not be composed: a variable the contact lacks or cannot use, a limit. */
  problem?: MessageFailure['problem'];
  /** The variable of a missing_variable or invalid_variable problem. */
  missingVariable?: string;
  /** Why a present value was unusable, or by how much a limit was passed. */
  detail?: string;
  /** The zone dates were read in (the contact's, else the appointment's, else the campaign's). */
  timezone: string;
  /** The campaign's consent rule, and whether it would skip this contact. */
  consent: {
    purpose: CampaignPurpose;
    rule: string;
    skipped: { reason: RecipientRefusal['problem']; detail: string } | null;
  };
  /** The whole audience, counted set-based: how many will be sent, how many skipped and why. */
  audience: AudienceSummary;
}

export interface PreviewOptions {
  /** The contact's phone as people write it; absent: a sample contact of the audience. */
  phone?: string;
  now: Date;
  /** DEFAULT_PHONE_REGION: where `phone` is read when written without its country code. */
  phoneRegion: PhoneRegion;
  /** DEFAULT_TIMEZONE: for contacts and campaigns without a zone. */
  defaultTimezone?: string;
}

/** What composing and sending a campaign's message needs to know of the campaign. */
export interface PreviewCampaign extends MessageCampaign {
  id: number;
  kind: 'broadcast' | 'reminder';
  timezone: string | null;
  listId: number | null;
  /** The segment filter narrowing the audience (audience.where), if any. */
  audienceWhere: string | null;
  channelId: number | null;
  purpose: CampaignPurpose;
  /** A reminder's offsets in seconds (a summary counts each appointment once per offset). */
  reminderOffsets?: number[] | null;
}

export interface PreviewContact {
  id: number;
  phone: string;
  name: string | null;
  timezone: string | null;
  attributes: Record<string, unknown>;
  optedInAt: Date | null;
  optedOutAt: Date | null;
  chat2deskClientId: string | null;
  chat2deskTransports: string[];
  whatsappAddedAt: Date | null;
}

/** Stands in when the audience is empty: enough for templates that use the name and phone. */
const INVENTED_SAMPLE: Omit<PreviewContact, 'id'> = {
  phone: '70000000000',
  name: 'Sample Contact',
  timezone: null,
  attributes: {},
  optedInAt: null,
  optedOutAt: null,
  chat2deskClientId: null,
  chat2deskTransports: [],
  whatsappAddedAt: null,
};

export async function previewCampaign(
  sql: Sql,
  campaignId: number,
  options: PreviewOptions,
): Promise<CampaignPreview> {
  return previewOf(sql, await loadCampaign(sql, campaignId), options);
}

/**
 * The preview of a campaign given whole rather than stored (the console's editor checks a form
 * before it is saved): composed exactly as previewCampaign composes a stored one.
 */
export async function previewOf(
  sql: Sql,
  campaign: PreviewCampaign,
  options: PreviewOptions,
): Promise<CampaignPreview> {
  const campaignId = campaign.id;
  let contact: PreviewContact | undefined;
  if (options.phone !== undefined) {
    const phone = phoneDigits(options.phone, options.phoneRegion);
    contact = await findContactByPhone(sql, phone);
    if (!contact) throw new ContactNotFoundError({ phone });
  } else {
    contact = await sampleContact(sql, campaign, options.now);
  }
  const recipient = contact ?? { id: 0, ...INVENTED_SAMPLE };
  const prepared = await prepareFor(sql, campaign, recipient, options);
  const { message, timezone } = prepared;
  // The invented sample stands in for no one: only a real contact is refused.
  const refusal = contact ? prepared.refusal : null;
  const consent = {
    purpose: campaign.purpose,
    rule: CONSENT_RULES[campaign.purpose],
    skipped: refusal ? { reason: refusal.problem, detail: refusal.detail } : null,
  };
  const who = contact ? { id: contact.id, phone: contact.phone, name: contact.name } : null;
  const base = {
    campaignId,
    contact: who,
    sample: options.phone === undefined,
    ...(campaign.attachment ? { attachment: campaign.attachment } : {}),
    timezone,
    consent,
    audience: await summariseAudience(sql, campaign, options),
  };
  if (message.ok) {
    return { ...base, ok: true, text: message.text, size: messageSize(message.text, campaign.transport) };
  }
  return {
    ...base,
    ok: false,
    problem: message.problem,
    ...('variable' in message ? { missingVariable: message.variable } : {}),
    ...('detail' in message ? { detail: message.detail } : {}),
    ...('size' in message ? { size: message.size } : {}),
  };
}

/** The message for one contact as the worker prepares it (prepareMessage), its appointment looked up. */
export async function prepareFor(
  sql: Sql,
  campaign: PreviewCampaign,
  contact: PreviewContact,
  options: { now: Date; defaultTimezone?: string },
): Promise<PreparedMessage> {
  const appointment =
    campaign.kind === 'reminder' && contact.id > 0
      ? await nextAppointmentOf(sql, contact.id, options.now)
      : undefined;
  return prepareMessage(campaign, contact, {
    appointment,
    defaultTimezone: options.defaultTimezone ?? 'UTC',
  });
}

export async function loadCampaign(sql: Sql, campaignId: number): Promise<PreviewCampaign> {
  const [campaign] = await sql<PreviewCampaign[]>`
    select id, name, kind, template_source as "templateSource", template_variables as variables, timezone,
           list_id as "listId", audience_where as "audienceWhere", transport, channel_id as "channelId", purpose,
           whatsapp_template as "whatsappTemplate", attachment_url as attachment,
           reminder_offsets as "reminderOffsets"
    from campaigns where id = ${campaignId}`;
  if (!campaign) throw new CampaignNotFoundError(campaignId);
  return campaign;
}

function contactColumns(sql: Sql) {
  return sql`
    c.id, c.phone, c.name, c.timezone, c.attributes, c.opted_in_at as "optedInAt", c.opted_out_at as "optedOutAt",
    c.chat2desk_client_id::text as "chat2deskClientId",
    coalesce(c.chat2desk_transports, '{}') as "chat2deskTransports",
    c.chat2desk_whatsapp_added_at as "whatsappAddedAt"`;
}

export async function findContactByPhone(sql: Sql, phone: string): Promise<PreviewContact | undefined> {
  const [contact] = await sql<PreviewContact[]>`
    select ${contactColumns(sql)} from contacts c where c.phone = ${phone}`;
  return contact;
}

/**
 * The first contact the campaign would reach: of its list (or of everyone), consenting ones first;
 * for a reminder, one with an appointment (an upcoming one first), whose message can be rendered.
 */
async function sampleContact(
  sql: Sql,
  campaign: PreviewCampaign,
  now: Date,
): Promise<PreviewContact | undefined> {
  const segment =
    campaign.audienceWhere === null || campaign.audienceWhere === undefined
      ? sql`true`
      : segmentCondition(sql, parseSegmentFilter(campaign.audienceWhere), { alias: 'c', now });
  const [contact] = await sql<PreviewContact[]>`
    select ${contactColumns(sql)} from contacts c
    where ${
      campaign.listId === null
        ? sql`true`
        : sql`exists (select 1 from list_members m where m.contact_id = c.id and m.list_id = ${campaign.listId})`
    } and ${segment} and ${
      campaign.kind === 'reminder'
        ? sql`exists (select 1 from appointments a where a.contact_id = c.id and a.status <> 'cancelled')`
        : sql`true`
    }
    order by (c.opted_out_at is null and c.opted_in_at is not null) desc, ${
      campaign.kind === 'reminder'
        ? sql`not exists (select 1 from appointments a
                          where a.contact_id = c.id and a.status <> 'cancelled' and a.starts_at > ${now}),`
        : sql``
    } c.id
    limit 1`;
  return contact;
}

interface NextAppointment {
  externalId: string;
  startsAt: Date;
  timezone: string | null;
  attributes: Record<string, unknown>;
}

/** A reminder speaks of an appointment: the contact's next one not cancelled (else its latest). */
async function nextAppointmentOf(
  sql: Sql,
  contactId: number,
  now: Date,
): Promise<NextAppointment | undefined> {
  const [appointment] = await sql<NextAppointment[]>`
    select external_id as "externalId", starts_at as "startsAt", timezone, attributes
    from appointments
    where contact_id = ${contactId} and status <> 'cancelled'
    order by starts_at < ${now}, abs(extract(epoch from starts_at - ${now}::timestamptz))
    limit 1`;
  return appointment;
}
