import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { normalizeStoredPhones } from '../../src/contacts/normalizeStoredPhones.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

const STORED_AT = new Date('2025-01-10T09:00:00.000Z');
const NOW = new Date('2026-11-27T07:00:00.000Z');

let db: TestDatabase;
beforeEach(async () => {
  db = await createTestDatabase();
});
afterEach(async () => {
  await db?.drop();
});

/** A contact as an earlier version stored it: the phone as written, a Chat2Desk client found for it. */
async function stored(phone: string): Promise<number> {
  const [row] = await db.sql<{ id: number }[]>`
    insert into contacts (phone, name, chat2desk_client_id, chat2desk_transports, chat2desk_whatsapp_added_at, updated_at)
    values (${phone}, ${`Contact ${phone}`}, ${phone}, '{whatsapp}', ${STORED_AT}, ${STORED_AT})
    returning id`;
  return row!.id;
}

async function contact(id: number) {
  const [row] = await db.sql<
    {
      phone: string;
      chat2desk_client_id: string | null;
      chat2desk_transports: string[] | null;
      chat2desk_whatsapp_added_at: Date | null;
      updated_at: Date;
    }[]
  >`select phone, chat2desk_client_id, chat2desk_transports, chat2desk_whatsapp_added_at, updated_at
    from contacts where id = ${id}`;
  return row;
}

describe('normalizeStoredPhones', () => {
  it('adds the country code to a number stored without it, and forgets the client found for the old one', async () => {
    const withoutCode = await stored('9161234567');
    const trunkPrefix = await stored('89161112233');
    const right = await stored('79165554433');

    const result = await normalizeStoredPhones(db.sql, { phoneRegion: 'RU', dryRun: false, now: NOW });

    expect(result).toEqual({
      dryRun: false,
      checked: 3,
      unchanged: 1,
      changed: 2,
      ambiguous: 0,
      invalid: 0,
      conflicts: 0,
      changes: [
        { contactId: withoutCode, from: '9161234567', to: '79161234567' },
        { contactId: trunkPrefix, from: '89161112233', to: '79161112233' },
      ],
      ambiguities: [],
      invalidPhones: [],
      conflicting: [],
      truncated: false,
    });
    expect(await contact(withoutCode)).toEqual({
      phone: '79161234567',
      chat2desk_client_id: null,
      chat2desk_transports: [],
      chat2desk_whatsapp_added_at: null,
      updated_at: NOW,
    });
    expect((await contact(trunkPrefix))?.phone).toBe('79161112233');
    // A number already right keeps its phone and its client.
    expect(await contact(right)).toEqual({
      phone: '79165554433',
      chat2desk_client_id: '79165554433',
      chat2desk_transports: ['whatsapp'],
      chat2desk_whatsapp_added_at: STORED_AT,
      updated_at: STORED_AT,
    });
  });

  it('only reports with dryRun, changing nothing', async () => {
    const id = await stored('9161234567');

    const result = await normalizeStoredPhones(db.sql, { phoneRegion: 'RU', dryRun: true, now: NOW });

    expect(result).toMatchObject({
      dryRun: true,
      checked: 1,
      changed: 1,
      changes: [{ contactId: id, from: '9161234567', to: '79161234567' }],
    });
    expect(await contact(id)).toMatchObject({
      phone: '9161234567',
      chat2desk_client_id: '9161234567',
      updated_at: STORED_AT,
    });
  });

  it('leaves a valid number the region reads as another one for a person, and reports a number that cannot exist', async () => {
    const german = await stored('4951234567');
    const cannotExist = await stored('37529123456');

    const result = await normalizeStoredPhones(db.sql, { phoneRegion: 'RU', dryRun: false, now: NOW });

    expect(result).toMatchObject({ checked: 2, unchanged: 0, changed: 0, ambiguous: 1, invalid: 1 });
    expect(result.ambiguities).toEqual([
      {
        contactId: german,
        phone: '4951234567',
        note: 'stored as +4951234567; read in RU it would be +74951234567',
      },
    ]);
    expect(result.invalidPhones).toEqual([
      {
        contactId: cannotExist,
        phone: '37529123456',
        reason:
          'not a phone number: as a number of Russia (+7) it has a number of digits no phone there has (+7 37529123456)',
      },
    ]);
    expect((await contact(german))?.phone).toBe('4951234567');
    expect((await contact(cannotExist))?.phone).toBe('37529123456');
  });

  it('leaves a number alone when its fix is another contact’s number, across batches too', async () => {
    const owner = await stored('79161234567');
    const oldSpelling = await stored('9161234567');
    const firstSpelling = await stored('89161112233');
    const filler = await stored('79165554433');
    const secondSpelling = await stored('9161112233');

    const result = await normalizeStoredPhones(db.sql, {
      phoneRegion: 'RU',
      dryRun: false,
      now: NOW,
      batchSize: 2,
    });

    expect(result).toMatchObject({ checked: 5, unchanged: 2, changed: 1, conflicts: 2 });
    expect(result.changes).toEqual([{ contactId: firstSpelling, from: '89161112233', to: '79161112233' }]);
    expect(result.conflicting).toEqual([
      { contactId: oldSpelling, from: '9161234567', to: '79161234567', takenBy: owner },
      { contactId: secondSpelling, from: '9161112233', to: '79161112233', takenBy: firstSpelling },
    ]);
    expect((await contact(oldSpelling))?.phone).toBe('9161234567');
    expect((await contact(secondSpelling))?.phone).toBe('9161112233');
    expect((await contact(firstSpelling))?.phone).toBe('79161112233');
    expect((await contact(filler))?.phone).toBe('79165554433');
  });
});
