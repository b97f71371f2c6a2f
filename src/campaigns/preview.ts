import { ContactNotFoundError, phoneDigits } from '../contacts/contacts.js';
import type { PhoneRegion } from '../contacts/phone.js';
import type { Sql } from '../db/database.js';
import { CampaignNotFoundError } from './errors.js';
import { buildTemplateContext, compileTemplate } from './template.js';

/**
 * A campaign's message as one contact would get it, rendered as the worker renders it: the same
 * variables, the contact's time zone (else the campaign's, else the engine's default), and a
 * variable the contact lacks reported by name instead of leaving a hole.
 */
export interface CampaignPreview {
  campaignId: number;
  /** Whom it was rendered for; null: an invented sample contact (the audience is empty). */
  contact: { id: number; phone: string; name: string | null } | null;
  /** True when no phone was asked for and the first contact of the audience stood in. */
  sample: boolean;
  ok: boolean;
  text?: string;
  missingVariable?: string;
  /** Why a present value was unusable (e.g. not a date). */
  detail?: string;
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

/** What rendering and sending a campaign's message needs to know of the campaign. */
export interface PreviewCampaign {
  id: number;
  name: string;
  kind: 'broadcast' | 'reminder';
  templateSource: string;
  timezone: string | null;
  listId: number | null;
  transport: string;
  channelId: number | null;
  requireOptIn: boolean;
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
  const campaign = await loadCampaign(sql, campaignId);
  let contact: PreviewContact | undefined;
  if (options.phone !== undefined) {
    const phone = phoneDigits(options.phone, options.phoneRegion);
    contact = await findContactByPhone(sql, phone);
    if (!contact) throw new ContactNotFoundError({ phone });
  } else {
    contact = await sampleContact(sql, campaign);
  }
  const rendered = await renderFor(sql, campaign, contact ?? { id: 0, ...INVENTED_SAMPLE }, options);
  return {
    campaignId,
    contact: contact ? { id: contact.id, phone: contact.phone, name: contact.name } : null,
    sample: options.phone === undefined,
    ...rendered,
  };
}

/** The message text for one contact, or the variable it lacks. */
export async function renderFor(
  sql: Sql,
  campaign: PreviewCampaign,
  contact: PreviewContact,
  options: { now: Date; defaultTimezone?: string },
): Promise<{ ok: true; text: string } | { ok: false; missingVariable: string; detail?: string }> {
  const appointment =
    campaign.kind === 'reminder' && contact.id > 0
      ? await nextAppointmentOf(sql, contact.id, options.now)
      : undefined;
  // The zone the worker reads the message in (src/delivery/sendTiming.ts, recipientTimeZone).
  const timezone =
    contact.timezone ?? appointment?.timezone ?? campaign.timezone ?? options.defaultTimezone ?? 'UTC';
  return compileTemplate(campaign.templateSource).render(
    buildTemplateContext(contact, {
      campaign: { name: campaign.name },
      timezone,
      ...(appointment ? { appointment: appointmentValues(appointment) } : {}),
    }),
  );
}

export async function loadCampaign(sql: Sql, campaignId: number): Promise<PreviewCampaign> {
  const [campaign] = await sql<PreviewCampaign[]>`
    select id, name, kind, template_source as "templateSource", timezone, list_id as "listId",
           transport, channel_id as "channelId", require_opt_in as "requireOptIn"
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

/** The first contact the campaign would reach: of its list (or of everyone), consenting ones first. */
async function sampleContact(sql: Sql, campaign: PreviewCampaign): Promise<PreviewContact | undefined> {
  const [contact] = await sql<PreviewContact[]>`
    select ${contactColumns(sql)} from contacts c
    where ${
      campaign.listId === null
        ? sql`true`
        : sql`exists (select 1 from list_members m where m.contact_id = c.id and m.list_id = ${campaign.listId})`
    }
    order by (c.opted_out_at is null and c.opted_in_at is not null) desc, c.id
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

/** As the worker shows an appointment to a template: its attributes, its start (ISO), id and zone. */
function appointmentValues(appointment: NextAppointment): Record<string, unknown> {
  return {
    ...appointment.attributes,
    startsAt: appointment.startsAt.toISOString(),
    externalId: appointment.externalId,
    timezone: appointment.timezone,
  };
}
