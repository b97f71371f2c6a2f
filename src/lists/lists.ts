import type { Database, Sql } from '../db/database.js';
import type { Prisma } from '../db/generated/prisma/client.js';
import { DELETE_TRANSACTION_OPTIONS, prismaErrorCode } from '../db/prismaErrors.js';
import { BroadcasterError } from '../errors.js';
import { normalisePhone, type PhoneRegion } from '../phones/phone.js';

/** Contact lists (a broadcast's audience) and who is in them. */
export interface ContactList {
  id: number;
  name: string;
  description: string | null;
  memberCount: number;
  createdAt: Date;
}

export interface ListMember {
  contactId: number;
  phone: string;
  name: string | null;
  consent: 'opted_in' | 'opted_out' | 'none';
  addedAt: Date;
}

export interface MembersAdded {
  /** Contacts that joined the list now. */
  added: number;
  /** Contacts that were in it already. */
  alreadyMembers: number;
  /** Ids and phones that name no contact: nothing was created for them. */
  unknownContactIds: number[];
  unknownPhones: string[];
  /** Phones that cannot be a phone, as given, with why. */
  invalidPhones: Array<{ value: string; reason: string }>;
}

export class ListNotFoundError extends BroadcasterError {
  constructor(where: { listId?: number; name?: string }) {
    super(
      'list_not_found',
      where.name !== undefined
        ? `no contact list named "${where.name}"`
        : `list ${where.listId} does not exist`,
      where,
    );
  }
}

export class ListExistsError extends BroadcasterError {
  constructor(name: string, listId: number) {
    super('list_exists', `a contact list named "${name}" already exists (id ${listId})`, { name, listId });
  }
}

/** A list that campaigns were addressed to stays: their reports and definitions name it. */
export class ListInUseError extends BroadcasterError {
  constructor(listId: number, campaignIds: number[]) {
    super(
      'list_in_use',
      `list ${listId} is the audience of campaign${campaignIds.length > 1 ? 's' : ''} ${campaignIds.join(', ')} and cannot be deleted`,
      { listId, campaignIds },
    );
  }
}

export class ListMemberNotFoundError extends BroadcasterError {
  constructor(listId: number, contactId: number) {
    super('list_member_not_found', `contact ${contactId} is not in list ${listId}`, { listId, contactId });
  }
}

const listSelect = {
  id: true,
  name: true,
  description: true,
  _count: { select: { members: true } },
  createdAt: true,
} satisfies Prisma.ContactListSelect;

function toList(row: Prisma.ContactListGetPayload<{ select: typeof listSelect }>): ContactList {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    memberCount: row._count.members,
    createdAt: row.createdAt,
  };
}

/** opted_out beats opted_in, as on the contact. */
function consentOf(contact: { optedInAt: Date | null; optedOutAt: Date | null }): ListMember['consent'] {
  return contact.optedOutAt ? 'opted_out' : contact.optedInAt ? 'opted_in' : 'none';
}

export async function listLists(
  db: Pick<Database, 'prisma'>,
  paging: { limit: number; offset: number },
): Promise<{ items: ContactList[]; total: number }> {
  const total = await db.prisma.contactList.count();
  const rows = await db.prisma.contactList.findMany({
    select: listSelect,
    orderBy: { id: 'asc' },
    skip: paging.offset,
    take: paging.limit,
  });
  return { items: rows.map(toList), total };
}

export async function getList(
  db: Pick<Database, 'prisma'>,
  listId: number,
): Promise<ContactList | undefined> {
  const row = await db.prisma.contactList.findUnique({ where: { id: listId }, select: listSelect });
  return row ? toList(row) : undefined;
}

export async function getListByName(
  db: Pick<Database, 'prisma'>,
  name: string,
): Promise<ContactList | undefined> {
  const row = await db.prisma.contactList.findUnique({ where: { name }, select: listSelect });
  return row ? toList(row) : undefined;
}

export async function createList(
  db: Pick<Database, 'prisma'>,
  input: { name: string; description?: string | null },
  options: { now: Date },
): Promise<ContactList> {
  const name = input.name.trim();
  try {
    const created = await db.prisma.contactList.create({
      data: { name, description: input.description ?? null, createdAt: options.now },
      select: listSelect,
    });
    return toList(created);
  } catch (error) {
    if (prismaErrorCode(error) !== 'P2002') throw error;
    const existing = await getListByName(db, name);
    throw new ListExistsError(name, existing?.id ?? 0);
  }
}

/**
 * Deletes a list and its memberships (never the contacts); refused while a campaign names it. A
 * campaign addressed to the list between the check and the delete is refused by the foreign key.
 */
export async function deleteList(db: Pick<Database, 'prisma'>, listId: number): Promise<void> {
  try {
    await db.prisma.$transaction(async (tx) => {
      const list = await tx.contactList.findUnique({
        where: { id: listId },
        select: { campaigns: { select: { id: true }, orderBy: { id: 'asc' } } },
      });
      if (!list) throw new ListNotFoundError({ listId });
      if (list.campaigns.length > 0)
        throw new ListInUseError(
          listId,
          list.campaigns.map((c) => c.id),
        );
      await tx.contactList.delete({ where: { id: listId } });
    }, DELETE_TRANSACTION_OPTIONS);
  } catch (error) {
    const code = prismaErrorCode(error);
    if (code === 'P2025') throw new ListNotFoundError({ listId });
    if (code !== 'P2003') throw error;
    const campaigns = await db.prisma.campaign.findMany({
      where: { listId },
      select: { id: true },
      orderBy: { id: 'asc' },
    });
    throw new ListInUseError(
      listId,
      campaigns.map((c) => c.id),
    );
  }
}

export async function listMembers(
  db: Pick<Database, 'prisma'>,
  listId: number,
  paging: { limit: number; offset: number },
): Promise<{ items: ListMember[]; total: number }> {
  const list = await db.prisma.contactList.findUnique({ where: { id: listId }, select: { id: true } });
  if (!list) throw new ListNotFoundError({ listId });
  const total = await db.prisma.listMember.count({ where: { listId } });
  const rows = await db.prisma.listMember.findMany({
    where: { listId },
    select: {
      contactId: true,
      addedAt: true,
      contact: { select: { phone: true, name: true, optedInAt: true, optedOutAt: true } },
    },
    orderBy: { contactId: 'asc' },
    skip: paging.offset,
    take: paging.limit,
  });
  const items = rows.map(({ contactId, addedAt, contact }) => ({
    contactId,
    phone: contact.phone,
    name: contact.name,
    consent: consentOf(contact),
    addedAt,
  }));
  return { items, total };
}

/**
 * Adds existing contacts, named by id or by phone, in one statement. Unknown and malformed entries are
 * reported and never block the others; contacts are not created here (that is POST /contacts or the
 * CSV import, which record consent).
 * Stays on postgres.js: one INSERT … SELECT … ON CONFLICT that also says which rows were new, which
 * Prisma's createMany (skipDuplicates) cannot report.
 */
export async function addListMembers(
  sql: Sql,
  listId: number,
  who: { contactIds?: number[]; phones?: string[] },
  options: { now: Date; phoneRegion: PhoneRegion },
): Promise<MembersAdded> {
  const invalidPhones: MembersAdded['invalidPhones'] = [];
  const phones = new Set<string>();
  for (const value of who.phones ?? []) {
    const phone = normalisePhone(value, { region: options.phoneRegion });
    if (phone.ok) phones.add(phone.digits);
    else invalidPhones.push({ value, reason: phone.message });
  }
  const ids = [...new Set(who.contactIds ?? [])];
  return sql.begin(async (tx) => {
    const [list] = await tx<{ id: number }[]>`select id from lists where id = ${listId} for share`;
    if (!list) throw new ListNotFoundError({ listId });
    const found = await tx<{ id: number; phone: string; inserted: boolean }[]>`
      with wanted as (
        select id, phone from contacts
        where id = any(${ids}::int[]) or phone = any(${[...phones]}::text[])
      ), inserted as (
        insert into list_members (list_id, contact_id, added_at)
        select ${listId}, id, ${options.now} from wanted
        on conflict do nothing
        returning contact_id
      )
      select w.id, w.phone, exists (select 1 from inserted i where i.contact_id = w.id) as inserted
      from wanted w`;
    const foundIds = new Set(found.map((c) => c.id));
    const foundPhones = new Set(found.map((c) => c.phone));
    const added = found.filter((c) => c.inserted).length;
    return {
      added,
      alreadyMembers: found.length - added,
      unknownContactIds: ids.filter((id) => !foundIds.has(id)),
      unknownPhones: [...phones].filter((phone) => !foundPhones.has(phone)),
      invalidPhones,
    };
  });
}

export async function removeListMember(
  db: Pick<Database, 'prisma'>,
  listId: number,
  contactId: number,
): Promise<void> {
  const removed = await db.prisma.listMember.deleteMany({ where: { listId, contactId } });
  if (removed.count > 0) return;
  if (!(await db.prisma.contactList.findUnique({ where: { id: listId }, select: { id: true } })))
    throw new ListNotFoundError({ listId });
  throw new ListMemberNotFoundError(listId, contactId);
}
