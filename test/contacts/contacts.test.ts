import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ContactExistsError,
  ContactHasDeliveriesError,
  ContactInputError,
  ContactNotFoundError,
  createContact,
  deleteContact,
  getContact,
  getContactByPhone,
  listContacts,
  setConsent,
  updateContact,
} from '../../src/contacts/contacts.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

const NOW = new Date('2026-11-27T07:00:00Z');
const LATER = new Date('2026-11-28T07:00:00Z');

let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db?.drop();
});

describe('createContact', () => {
  it('stores the phone as digits with the country code, and no consent unless given', async () => {
    const contact = await createContact(
      db,
      { phone: '8 (999) 300-00-01', name: 'Ira' },
      { now: NOW, phoneRegion: 'RU' },
    );
    expect(contact).toMatchObject({
      phone: '79993000001',
      name: 'Ira',
      consent: 'none',
      optedInAt: null,
      attributes: {},
      lists: [],
      createdAt: NOW,
    });
    expect(await getContactByPhone(db, '79993000001')).toEqual(contact);
  });

  it('records consent given with the contact, at its time or now', async () => {
    const at = new Date('2026-11-01T00:00:00Z');
    const dated = await createContact(
      db,
      { phone: '79993000002', optIn: { source: 'form', at } },
      { now: NOW, phoneRegion: 'RU' },
    );
    expect(dated).toMatchObject({ consent: 'opted_in', optedInAt: at, optInSource: 'form' });
    const undated = await createContact(
      db,
      { phone: '79993000003', optIn: { source: 'kiosk' } },
      { now: NOW, phoneRegion: 'RU' },
    );
    expect(undated.optedInAt).toEqual(NOW);
  });

  it('refuses a known phone, naming the contact that has it', async () => {
    const first = await createContact(db, { phone: '79993000004' }, { now: NOW, phoneRegion: 'RU' });
    const again = createContact(db, { phone: '+7 999 300 00 04' }, { now: NOW, phoneRegion: 'RU' });
    await expect(again).rejects.toThrow(ContactExistsError);
    await expect(again).rejects.toMatchObject({ details: { contactId: first.id, phone: '79993000004' } });
  });

  it('refuses a malformed phone and an unknown time zone, naming the field', async () => {
    await expect(createContact(db, { phone: '0123' }, { now: NOW, phoneRegion: 'RU' })).rejects.toMatchObject(
      {
        code: 'contact_invalid',
        details: { issues: [{ path: 'phone' }] },
      },
    );
    await expect(
      createContact(
        db,
        { phone: '79993000005', timezone: 'Europe/Atlantis' },
        { now: NOW, phoneRegion: 'RU' },
      ),
    ).rejects.toThrow(ContactInputError);
  });

  it('reads a time zone as an import does, storing its IANA name', async () => {
    const contact = await createContact(
      db,
      { phone: '+7 999 300-00-06', timezone: 'МСК+2' },
      { now: NOW, phoneRegion: 'RU' },
    );
    expect(contact.timezone).toBe('Asia/Yekaterinburg');
    const moved = await updateContact(
      db,
      contact.id,
      { timezone: 'europe/moscow' },
      { now: NOW, phoneRegion: 'RU' },
    );
    expect(moved.timezone).toBe('Europe/Moscow');
  });
});

describe('updateContact', () => {
  it('changes only what it is given and merges attributes, removing keys set to null', async () => {
    const contact = await createContact(
      db,
      { phone: '79993000010', name: 'Old', timezone: 'Europe/Moscow', attributes: { a: 1, b: 2 } },
      { now: NOW, phoneRegion: 'RU' },
    );
    const updated = await updateContact(
      db,
      contact.id,
      { name: null, attributes: { b: null, c: { nested: true } } },
      { now: LATER, phoneRegion: 'RU' },
    );
    expect(updated).toMatchObject({
      name: null,
      timezone: 'Europe/Moscow',
      phone: '79993000010',
      attributes: { a: 1, c: { nested: true } },
      updatedAt: LATER,
    });
  });

  it('moves a contact to a new phone unless another contact has it', async () => {
    const contact = await createContact(db, { phone: '79993000011' }, { now: NOW, phoneRegion: 'RU' });
    const moved = await updateContact(
      db,
      contact.id,
      { phone: '+7 999 300-00-12' },
      { now: NOW, phoneRegion: 'RU' },
    );
    expect(moved.phone).toBe('79993000012');
    await createContact(db, { phone: '79993000013' }, { now: NOW, phoneRegion: 'RU' });
    await expect(
      updateContact(db, contact.id, { phone: '79993000013' }, { now: NOW, phoneRegion: 'RU' }),
    ).rejects.toThrow(ContactExistsError);
  });

  it('refuses a contact that does not exist', async () => {
    await expect(updateContact(db, 999_999, { name: 'x' }, { now: NOW, phoneRegion: 'RU' })).rejects.toThrow(
      ContactNotFoundError,
    );
  });
});

describe('setConsent', () => {
  it('records an opt-in that lifts an earlier opt-out, and withdraws one without opting out', async () => {
    const contact = await createContact(db, { phone: '79993000020' }, { now: NOW, phoneRegion: 'RU' });
    await db.sql`update contacts set opted_out_at = ${NOW}, opt_out_reason = 'stop_reply' where id = ${contact.id}`;
    const optedIn = await setConsent(
      db,
      contact.id,
      { optedIn: true, source: 'renewed', at: NOW },
      { now: LATER },
    );
    expect(optedIn).toMatchObject({
      consent: 'opted_in',
      optedInAt: NOW,
      optInSource: 'renewed',
      optedOutAt: null,
      optOutReason: null,
    });
    const withdrawn = await setConsent(db, contact.id, { optedIn: false, source: null, at: LATER });
    expect(withdrawn).toMatchObject({ consent: 'none', optedInAt: null, optedOutAt: null });
  });

  it('refuses consent dated after now, and a contact that does not exist', async () => {
    const contact = await createContact(db, { phone: '79993000021' }, { now: NOW, phoneRegion: 'RU' });
    await expect(
      setConsent(db, contact.id, { optedIn: true, source: 'x', at: LATER }, { now: NOW }),
    ).rejects.toThrow(ContactInputError);
    await expect(setConsent(db, 999_999, { optedIn: true, source: 'x', at: NOW })).rejects.toThrow(
      ContactNotFoundError,
    );
  });
});

describe('listContacts', () => {
  it('filters by list, consent and search, and counts the whole filter', async () => {
    const a = await createContact(
      db,
      { phone: '79994100001', name: 'Zoya Listed', optIn: { source: 'x' } },
      { now: NOW, phoneRegion: 'RU' },
    );
    const b = await createContact(
      db,
      { phone: '79994100002', name: 'Zahar Listed' },
      { now: NOW, phoneRegion: 'RU' },
    );
    await createContact(
      db,
      { phone: '79994100003', name: 'Zinaida Outside' },
      { now: NOW, phoneRegion: 'RU' },
    );
    await db.sql`insert into lists (name) values ('club')`;
    await db.sql`
      insert into list_members (list_id, contact_id)
      select l.id, c.id from lists l, contacts c where l.name = 'club' and c.id in (${a.id}, ${b.id})`;

    const club = await listContacts(db, { list: 'club', limit: 1, offset: 0, phoneRegion: 'RU' });
    expect(club.total).toBe(2);
    expect(club.items).toEqual([expect.objectContaining({ id: a.id, lists: ['club'] })]);
    const optedIn = await listContacts(db, {
      list: 'club',
      consent: 'opted_in',
      limit: 10,
      offset: 0,
      phoneRegion: 'RU',
    });
    expect(optedIn.items.map((c) => c.id)).toEqual([a.id]);
    const byPhone = await listContacts(db, {
      search: '+7 999 41',
      limit: 10,
      offset: 0,
      phoneRegion: 'RU',
    });
    expect(byPhone.total).toBe(3);
    const byName = await listContacts(db, { search: 'listed', limit: 10, offset: 0, phoneRegion: 'RU' });
    expect(byName.items.map((c) => c.id)).toEqual([a.id, b.id]);
    const literal = await listContacts(db, { search: '%', limit: 10, offset: 0, phoneRegion: 'RU' });
    expect(literal.total).toBe(0);
  });
});

describe('deleteContact', () => {
  it('deletes a contact with its memberships, but refuses one with deliveries', async () => {
    const contact = await createContact(db, { phone: '79993000030' }, { now: NOW, phoneRegion: 'RU' });
    await deleteContact(db, contact.id);
    expect(await getContact(db, contact.id)).toBeUndefined();

    const reached = await createContact(db, { phone: '79993000031' }, { now: NOW, phoneRegion: 'RU' });
    const [run] = await db.sql`
      with c as (
        insert into campaigns (name, kind, transport, definition, template_source)
        values ('x', 'broadcast', 'sms', '{}', 'hi') returning id
      )
      insert into campaign_runs (campaign_id, scheduled_for) select id, ${NOW} from c returning id, campaign_id`;
    await db.sql`
      insert into deliveries (run_id, campaign_id, contact_id, state, due_at, next_attempt_at, transport)
      values (${run!.id}, ${run!.campaign_id}, ${reached.id}, 'sent', ${NOW}, ${NOW}, 'sms')`;
    await expect(deleteContact(db, reached.id)).rejects.toThrow(ContactHasDeliveriesError);
    expect(await getContact(db, reached.id)).toBeDefined();
    await expect(deleteContact(db, 999_999)).rejects.toThrow(ContactNotFoundError);
  });
});
