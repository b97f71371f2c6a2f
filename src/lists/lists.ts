import type { Sql } from '../db/database.js';
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

function listColumns(sql: Sql) {
  return sql`
    l.id, l.name, l.description,
    (select count(*) from list_members m where m.list_id = l.id)::int as "memberCount",
    l.created_at as "createdAt"`;
}

export async function listLists(
  sql: Sql,
  paging: { limit: number; offset: number },
): Promise<{ items: ContactList[]; total: number }> {
  const [counted] = await sql<{ total: number }[]>`select count(*)::int as total from lists`;
  const items = await sql<ContactList[]>`
    select ${listColumns(sql)} from lists l order by l.id limit ${paging.limit} offset ${paging.offset}`;
  return { items: [...items], total: counted?.total ?? 0 };
}

export async function getList(sql: Sql, listId: number): Promise<ContactList | undefined> {
  const [list] = await sql<ContactList[]>`select ${listColumns(sql)} from lists l where l.id = ${listId}`;
  return list;
}

export async function getListByName(sql: Sql, name: string): Promise<ContactList | undefined> {
  const [list] = await sql<ContactList[]>`select ${listColumns(sql)} from lists l where l.name = ${name}`;
  return list;
}

export async function createList(
  sql: Sql,
  input: { name: string; description?: string | null },
  options: { now: Date },
): Promise<ContactList> {
  const name = input.name.trim();
  const [created] = await sql<{ id: number }[]>`
    insert into lists (name, description, created_at)
    values (${name}, ${input.description ?? null}, ${options.now})
    on conflict (name) do nothing
    returning id`;
  if (!created) {
    const existing = await getListByName(sql, name);
    throw new ListExistsError(name, existing?.id ?? 0);
  }
  return (await getList(sql, created.id))!;
}

/** Deletes a list and its memberships (never the contacts); refused while a campaign names it. */
export async function deleteList(sql: Sql, listId: number): Promise<void> {
  await sql.begin(async (tx) => {
    const [list] = await tx<{ id: number }[]>`select id from lists where id = ${listId} for update`;
    if (!list) throw new ListNotFoundError({ listId });
    const campaigns = await tx<{ id: number }[]>`
      select id from campaigns where list_id = ${listId} order by id`;
    if (campaigns.length > 0)
      throw new ListInUseError(
        listId,
        campaigns.map((c) => c.id),
      );
    await tx`delete from lists where id = ${listId}`;
  });
}

export async function listMembers(
  sql: Sql,
  listId: number,
  paging: { limit: number; offset: number },
): Promise<{ items: ListMember[]; total: number }> {
  if (!(await getList(sql, listId))) throw new ListNotFoundError({ listId });
  const [counted] = await sql<{ total: number }[]>`
    select count(*)::int as total from list_members where list_id = ${listId}`;
  const items = await sql<ListMember[]>`
    select c.id as "contactId", c.phone, c.name,
      case when c.opted_out_at is not null then 'opted_out'
           when c.opted_in_at is not null then 'opted_in' else 'none' end as consent,
      m.added_at as "addedAt"
    from list_members m join contacts c on c.id = m.contact_id
    where m.list_id = ${listId}
    order by c.id limit ${paging.limit} offset ${paging.offset}`;
  return { items: [...items], total: counted?.total ?? 0 };
}

/**
 * Adds existing contacts, named by id or by phone, in one statement. Unknown and malformed entries are
 * reported and never block the others; contacts are not created here (that is POST /contacts or the
 * CSV import, which record consent).
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

export async function removeListMember(sql: Sql, listId: number, contactId: number): Promise<void> {
  const removed = await sql`
    delete from list_members where list_id = ${listId} and contact_id = ${contactId} returning contact_id`;
  if (removed.length > 0) return;
  if (!(await getList(sql, listId))) throw new ListNotFoundError({ listId });
  throw new ListMemberNotFoundError(listId, contactId);
}
