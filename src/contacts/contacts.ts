import type { Sql } from '../db/database.js';
import { BroadcasterError } from '../errors.js';
import { normalisePhone, type PhoneRegion } from '../phones/phone.js';
import { readTimeZone } from '../time/zoneNames.js';

/**
 * Contacts, one by one: the CRUD behind the HTTP API and the command line. Bulk intake is the CSV
 * import's; an opt-out goes through optOutContact (src/delivery/optOut.ts), which also skips what
 * was not sent yet.
 */
export type Consent = 'opted_in' | 'opted_out' | 'none';

export interface Contact {
  id: number;
  /** Digits with the country code. */
  phone: string;
  name: string | null;
  timezone: string | null;
  attributes: Record<string, unknown>;
  /** opted_out beats opted_in: an opt-out after a consent stops every message. */
  consent: Consent;
  optedInAt: Date | null;
  optInSource: string | null;
  optedOutAt: Date | null;
  optOutReason: string | null;
  chat2deskClientId: string | null;
  /** Names of the lists the contact is in. */
  lists: string[];
  createdAt: Date;
  updatedAt: Date;
}

export interface ContactInput {
  /** As people write it; normalised to digits with the country code. */
  phone: string;
  name?: string | null;
  timezone?: string | null;
  attributes?: Record<string, unknown>;
  /** Consent recorded with the contact, e.g. from a sign-up form. */
  optIn?: { source: string; at?: Date };
}

export interface ContactPatch {
  phone?: string;
  name?: string | null;
  timezone?: string | null;
  /** Merged into the stored attributes; a key set to null is removed. */
  attributes?: Record<string, unknown>;
}

export interface ContactFilter {
  limit: number;
  offset: number;
  /** Only members of the list with this name. */
  list?: string;
  consent?: Consent;
  /**
   * A whole phone (as people write it) matches that contact; other digits match the start of the
   * stored phone; anything else a part of the name (case-insensitive).
   */
  search?: string;
  /** Where a phone searched for without its country code is read. */
  phoneRegion: PhoneRegion;
}

export class ContactNotFoundError extends BroadcasterError {
  constructor(where: { contactId?: number; phone?: string }) {
    super(
      'contact_not_found',
      where.phone !== undefined
        ? `no contact with phone ${where.phone}`
        : `contact ${where.contactId} does not exist`,
      where,
    );
  }
}

export class ContactExistsError extends BroadcasterError {
  constructor(phone: string, contactId: number) {
    super('contact_exists', `a contact with phone ${phone} already exists (id ${contactId})`, {
      phone,
      contactId,
    });
  }
}

/** A contact with deliveries is part of campaign history: opt it out instead of deleting it. */
export class ContactHasDeliveriesError extends BroadcasterError {
  constructor(contactId: number, deliveries: number) {
    super(
      'contact_has_deliveries',
      `contact ${contactId} has ${deliveries} deliveries in campaign reports and cannot be deleted; opt it out instead`,
      { contactId, deliveries },
    );
  }
}

/** Contact fields that cannot be stored as given, each at its path (`phone`, `timezone`). */
export class ContactInputError extends BroadcasterError {
  constructor(issues: Array<{ path: string; message: string }>) {
    super('contact_invalid', issues.map((i) => `${i.path}: ${i.message}`).join('; '), { issues });
  }
}

type ContactRow = Omit<Contact, 'consent'>;

function contactColumns(sql: Sql) {
  return sql`
    c.id, c.phone, c.name, c.timezone, c.attributes,
    c.opted_in_at as "optedInAt", c.opt_in_source as "optInSource",
    c.opted_out_at as "optedOutAt", c.opt_out_reason as "optOutReason",
    c.chat2desk_client_id::text as "chat2deskClientId",
    array(select l.name from list_members m join lists l on l.id = m.list_id
          where m.contact_id = c.id order by l.name) as lists,
    c.created_at as "createdAt", c.updated_at as "updatedAt"`;
}

function withConsent(row: ContactRow): Contact {
  const consent: Consent = row.optedOutAt ? 'opted_out' : row.optedInAt ? 'opted_in' : 'none';
  return { ...row, consent };
}

/** A phone as the user wrote it, as stored (E.164 digits); a ContactInputError at `path` when it cannot be. */
export function phoneDigits(raw: string, region: PhoneRegion, path = 'phone'): string {
  const phone = normalisePhone(raw, { region });
  if (!phone.ok) throw new ContactInputError([{ path, message: phone.message }]);
  return phone.digits;
}

/** A zone as an import reads it (`MSK`, `europe/moscow`, `UTC+3`), stored as its IANA name. */
function zoneOf<T extends string | null | undefined>(timezone: T): T | string {
  if (timezone === null || timezone === undefined) return timezone;
  const zone = readTimeZone(timezone);
  if (!zone.ok) throw new ContactInputError([{ path: 'timezone', message: `"${timezone}": ${zone.reason}` }]);
  return zone.zone;
}

export async function listContacts(
  sql: Sql,
  filter: ContactFilter,
): Promise<{ items: Contact[]; total: number }> {
  const where = sql`
    where true
    ${filter.list === undefined ? sql`` : sql`and exists (select 1 from list_members m join lists l on l.id = m.list_id where m.contact_id = c.id and l.name = ${filter.list})`}
    ${
      filter.consent === 'opted_out'
        ? sql`and c.opted_out_at is not null`
        : filter.consent === 'opted_in'
          ? sql`and c.opted_out_at is null and c.opted_in_at is not null`
          : filter.consent === 'none'
            ? sql`and c.opted_out_at is null and c.opted_in_at is null`
            : sql``
    }
    ${searchCondition(sql, filter.search, filter.phoneRegion)}`;
  const [counted] = await sql<{ total: number }[]>`select count(*)::int as total from contacts c ${where}`;
  const rows = await sql<ContactRow[]>`
    select ${contactColumns(sql)} from contacts c ${where}
    order by c.id limit ${filter.limit} offset ${filter.offset}`;
  return { items: rows.map(withConsent), total: counted?.total ?? 0 };
}

function searchCondition(sql: Sql, search: string | undefined, region: PhoneRegion) {
  const text = search?.trim();
  if (!text) return sql``;
  const phone = normalisePhone(text, { region });
  if (phone.ok) return sql`and c.phone = ${phone.digits}`;
  const digits = text.replace(/[\s\-()+.]/g, '');
  if (/^\d+$/.test(digits)) return sql`and c.phone like ${`${digits}%`}`;
  return sql`and c.name ilike ${`%${text.replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`}`;
}

export async function getContact(sql: Sql, contactId: number): Promise<Contact | undefined> {
  const [row] = await sql<
    ContactRow[]
  >`select ${contactColumns(sql)} from contacts c where c.id = ${contactId}`;
  return row ? withConsent(row) : undefined;
}

/** `phone` already normalised to digits. */
export async function getContactByPhone(sql: Sql, phone: string): Promise<Contact | undefined> {
  const [row] = await sql<
    ContactRow[]
  >`select ${contactColumns(sql)} from contacts c where c.phone = ${phone}`;
  return row ? withConsent(row) : undefined;
}

/** Creates a contact; a phone already known is a ContactExistsError naming the existing contact. */
export async function createContact(
  sql: Sql,
  input: ContactInput,
  options: { now: Date; phoneRegion: PhoneRegion },
): Promise<Contact> {
  const phone = phoneDigits(input.phone, options.phoneRegion);
  const timezone = zoneOf(input.timezone);
  const optedInAt = input.optIn
    ? checkConsentTime(input.optIn.at ?? options.now, options.now, 'optIn.at')
    : null;
  const [created] = await sql<{ id: number }[]>`
    insert into contacts (phone, name, timezone, attributes, opted_in_at, opt_in_source, created_at, updated_at)
    values (${phone}, ${input.name ?? null}, ${timezone ?? null}, ${sql.json((input.attributes ?? {}) as never)},
            ${optedInAt}, ${input.optIn?.source ?? null}, ${options.now}, ${options.now})
    on conflict (phone) do nothing
    returning id`;
  if (!created) {
    const existing = await getContactByPhone(sql, phone);
    throw new ContactExistsError(phone, existing?.id ?? 0);
  }
  return (await getContact(sql, created.id))!;
}

/** Changes the given fields only; attributes are merged (a key set to null is removed). */
export async function updateContact(
  sql: Sql,
  contactId: number,
  patch: ContactPatch,
  options: { now: Date; phoneRegion: PhoneRegion },
): Promise<Contact> {
  const phone = patch.phone === undefined ? undefined : phoneDigits(patch.phone, options.phoneRegion);
  const timezone = zoneOf(patch.timezone);
  const attributes = patch.attributes ?? {};
  const set = Object.fromEntries(Object.entries(attributes).filter(([, value]) => value !== null));
  const removed = Object.keys(attributes).filter((key) => attributes[key] === null);
  try {
    const [updated] = await sql<{ id: number }[]>`
      update contacts set
        phone = coalesce(${phone ?? null}, phone),
        name = ${patch.name === undefined ? sql`name` : sql`${patch.name}`},
        timezone = ${timezone === undefined ? sql`timezone` : sql`${timezone}`},
        attributes = (attributes || ${sql.json(set as never)}::jsonb) - ${removed}::text[],
        updated_at = ${options.now}
      where id = ${contactId}
      returning id`;
    if (!updated) throw new ContactNotFoundError({ contactId });
  } catch (error) {
    if ((error as { code?: string }).code === '23505' && phone !== undefined) {
      const existing = await getContactByPhone(sql, phone);
      throw new ContactExistsError(phone, existing?.id ?? 0);
    }
    throw error;
  }
  return (await getContact(sql, contactId))!;
}

/**
 * Deletes a contact that no campaign has reached yet (its list memberships and appointments go with
 * it). One with deliveries is history in campaign reports: refused, opt it out instead.
 */
export async function deleteContact(sql: Sql, contactId: number): Promise<void> {
  await sql.begin(async (tx) => {
    const [contact] = await tx<{ deliveries: number }[]>`
      select (select count(*) from deliveries d where d.contact_id = c.id)::int as deliveries
      from contacts c where c.id = ${contactId} for update`;
    if (!contact) throw new ContactNotFoundError({ contactId });
    if (contact.deliveries > 0) throw new ContactHasDeliveriesError(contactId, contact.deliveries);
    await tx`delete from contacts where id = ${contactId}`;
  });
}

/**
 * Records consent (`optedIn: true`): the time and source of the opt-in, and a renewed consent after
 * an opt-out lifts it. `optedIn: false` withdraws a recorded opt-in without opting out: broadcasts
 * that require opt-in then skip the contact with no_consent.
 */
export async function setConsent(
  sql: Sql,
  contactId: number,
  consent: { optedIn: boolean; source: string | null; at: Date },
  options: { now?: Date } = {},
): Promise<Contact> {
  const now = options.now ?? consent.at;
  if (consent.optedIn) checkConsentTime(consent.at, now);
  const [updated] = await sql<{ id: number }[]>`
    update contacts set ${
      consent.optedIn
        ? sql`opted_in_at = ${consent.at}, opt_in_source = ${consent.source},
              opted_out_at = null, opt_out_reason = null`
        : sql`opted_in_at = null, opt_in_source = null`
    }, updated_at = ${now}
    where id = ${contactId}
    returning id`;
  if (!updated) throw new ContactNotFoundError({ contactId });
  return (await getContact(sql, contactId))!;
}

/** Consent cannot be recorded as given in the future. */
function checkConsentTime(at: Date, now: Date, path = 'at'): Date {
  if (at.getTime() > now.getTime()) {
    throw new ContactInputError([{ path, message: `"${at.toISOString()}" is in the future` }]);
  }
  return at;
}
