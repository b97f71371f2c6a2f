import type { Database } from '../db/database.js';
import type { Prisma } from '../db/generated/prisma/client.js';
import { DELETE_TRANSACTION_OPTIONS, prismaErrorCode } from '../db/prismaErrors.js';
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
  /** Consent withdrawn by an import's explicit no (opted_in=false): when, and the source it gave. */
  consentWithdrawnAt: Date | null;
  consentWithdrawnSource: string | null;
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

const contactSelect = {
  id: true,
  phone: true,
  name: true,
  timezone: true,
  attributes: true,
  optedInAt: true,
  optInSource: true,
  optedOutAt: true,
  optOutReason: true,
  consentWithdrawnAt: true,
  consentWithdrawnSource: true,
  chat2deskClientId: true,
  memberships: { select: { list: { select: { name: true } } }, orderBy: { list: { name: 'asc' } } },
  createdAt: true,
  updatedAt: true,
} satisfies Prisma.ContactSelect;

function toContact(row: Prisma.ContactGetPayload<{ select: typeof contactSelect }>): Contact {
  const consent: Consent = row.optedOutAt ? 'opted_out' : row.optedInAt ? 'opted_in' : 'none';
  return {
    id: row.id,
    phone: row.phone,
    name: row.name,
    timezone: row.timezone,
    attributes: row.attributes as Record<string, unknown>,
    optedInAt: row.optedInAt,
    optInSource: row.optInSource,
    optedOutAt: row.optedOutAt,
    optOutReason: row.optOutReason,
    consentWithdrawnAt: row.consentWithdrawnAt,
    consentWithdrawnSource: row.consentWithdrawnSource,
    // A bigint column; the API has always given it as a string (JSON has no 64-bit integers).
    chat2deskClientId: row.chat2deskClientId === null ? null : row.chat2deskClientId.toString(),
    lists: row.memberships.map((m) => m.list.name),
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
    consent,
  };
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
  db: Pick<Database, 'prisma'>,
  filter: ContactFilter,
): Promise<{ items: Contact[]; total: number }> {
  const where: Prisma.ContactWhereInput = {
    AND: [
      filter.list === undefined ? {} : { memberships: { some: { list: { name: filter.list } } } },
      consentCondition(filter.consent),
      searchCondition(filter.search, filter.phoneRegion),
    ],
  };
  const total = await db.prisma.contact.count({ where });
  const rows = await db.prisma.contact.findMany({
    where,
    select: contactSelect,
    orderBy: { id: 'asc' },
    skip: filter.offset,
    take: filter.limit,
  });
  return { items: rows.map(toContact), total };
}

function consentCondition(consent: Consent | undefined): Prisma.ContactWhereInput {
  if (consent === 'opted_out') return { optedOutAt: { not: null } };
  if (consent === 'opted_in') return { optedOutAt: null, optedInAt: { not: null } };
  if (consent === 'none') return { optedOutAt: null, optedInAt: null };
  return {};
}

function searchCondition(search: string | undefined, region: PhoneRegion): Prisma.ContactWhereInput {
  const text = search?.trim();
  if (!text) return {};
  const phone = normalisePhone(text, { region });
  if (phone.ok) return { phone: phone.digits };
  const digits = text.replace(/[\s\-()+.]/g, '');
  if (/^\d+$/.test(digits)) return { phone: { startsWith: digits } };
  // Prisma hands % and _ to ILIKE as they are: escaped, they match themselves.
  return { name: { contains: text.replace(/[\\%_]/g, (ch) => `\\${ch}`), mode: 'insensitive' } };
}

export async function getContact(
  db: Pick<Database, 'prisma'>,
  contactId: number,
): Promise<Contact | undefined> {
  const row = await db.prisma.contact.findUnique({ where: { id: contactId }, select: contactSelect });
  return row ? toContact(row) : undefined;
}

/** `phone` already normalised to digits. */
export async function getContactByPhone(
  db: Pick<Database, 'prisma'>,
  phone: string,
): Promise<Contact | undefined> {
  const row = await db.prisma.contact.findUnique({ where: { phone }, select: contactSelect });
  return row ? toContact(row) : undefined;
}

/** Creates a contact; a phone already known is a ContactExistsError naming the existing contact. */
export async function createContact(
  db: Pick<Database, 'prisma'>,
  input: ContactInput,
  options: { now: Date; phoneRegion: PhoneRegion },
): Promise<Contact> {
  const phone = phoneDigits(input.phone, options.phoneRegion);
  const timezone = zoneOf(input.timezone);
  const optedInAt = input.optIn
    ? checkConsentTime(input.optIn.at ?? options.now, options.now, 'optIn.at')
    : null;
  try {
    const created = await db.prisma.contact.create({
      data: {
        phone,
        name: input.name ?? null,
        timezone: timezone ?? null,
        attributes: (input.attributes ?? {}) as Prisma.InputJsonObject,
        optedInAt,
        optInSource: input.optIn?.source ?? null,
        createdAt: options.now,
        updatedAt: options.now,
      },
      select: contactSelect,
    });
    return toContact(created);
  } catch (error) {
    if (prismaErrorCode(error) !== 'P2002') throw error;
    const existing = await getContactByPhone(db, phone);
    throw new ContactExistsError(phone, existing?.id ?? 0);
  }
}

/**
 * Changes the given fields only; attributes are merged (a key set to null is removed).
 * The write stays on postgres.js: the merge is one jsonb expression, where Prisma would read, merge
 * and write back, losing an attribute changed by someone else in between.
 */
export async function updateContact(
  db: Pick<Database, 'sql' | 'prisma'>,
  contactId: number,
  patch: ContactPatch,
  options: { now: Date; phoneRegion: PhoneRegion },
): Promise<Contact> {
  const { sql } = db;
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
      const existing = await getContactByPhone(db, phone);
      throw new ContactExistsError(phone, existing?.id ?? 0);
    }
    throw error;
  }
  return (await getContact(db, contactId))!;
}

/**
 * Deletes a contact that no campaign has reached yet (its list memberships and appointments go with
 * it). One with deliveries is history in campaign reports: refused, opt it out instead. A delivery
 * made between the count and the delete is refused by the foreign key, with the same error.
 */
export async function deleteContact(db: Pick<Database, 'prisma'>, contactId: number): Promise<void> {
  try {
    await db.prisma.$transaction(async (tx) => {
      const contact = await tx.contact.findUnique({
        where: { id: contactId },
        select: { _count: { select: { deliveries: true } } },
      });
      if (!contact) throw new ContactNotFoundError({ contactId });
      const deliveries = contact._count.deliveries;
      if (deliveries > 0) throw new ContactHasDeliveriesError(contactId, deliveries);
      await tx.contact.delete({ where: { id: contactId } });
    }, DELETE_TRANSACTION_OPTIONS);
  } catch (error) {
    const code = prismaErrorCode(error);
    if (code === 'P2025') throw new ContactNotFoundError({ contactId });
    if (code !== 'P2003') throw error;
    const deliveries = await db.prisma.delivery.count({ where: { contactId } });
    throw new ContactHasDeliveriesError(contactId, deliveries);
  }
}

/**
 * Records consent (`optedIn: true`): the time and source of the opt-in, and a renewed consent after
 * an opt-out lifts it. `optedIn: false` withdraws a recorded opt-in without opting out: broadcasts
 * that require opt-in then skip the contact with no_consent.
 */
export async function setConsent(
  db: Pick<Database, 'prisma'>,
  contactId: number,
  consent: { optedIn: boolean; source: string | null; at: Date },
  options: { now?: Date } = {},
): Promise<Contact> {
  const now = options.now ?? consent.at;
  if (consent.optedIn) checkConsentTime(consent.at, now);
  try {
    const updated = await db.prisma.contact.update({
      where: { id: contactId },
      data: consent.optedIn
        ? {
            optedInAt: consent.at,
            optInSource: consent.source,
            optedOutAt: null,
            optOutReason: null,
            updatedAt: now,
          }
        : { optedInAt: null, optInSource: null, updatedAt: now },
      select: contactSelect,
    });
    return toContact(updated);
  } catch (error) {
    if (prismaErrorCode(error) === 'P2025') throw new ContactNotFoundError({ contactId });
    throw error;
  }
}

/** Consent cannot be recorded as given in the future. */
function checkConsentTime(at: Date, now: Date, path = 'at'): Date {
  if (at.getTime() > now.getTime()) {
    throw new ContactInputError([{ path, message: `"${at.toISOString()}" is in the future` }]);
  }
  return at;
}
