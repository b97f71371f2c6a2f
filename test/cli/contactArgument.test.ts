import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findContactArgument } from '../../src/cli/contactArgument.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

let db: TestDatabase;
let id: number;
beforeAll(async () => {
  db = await createTestDatabase();
  const [row] = await db.sql<
    { id: number }[]
  >`insert into contacts (phone) values ('79161234567') returning id`;
  id = row!.id;
});
afterAll(async () => {
  await db?.drop();
});

describe('findContactArgument', () => {
  it('reads a short number as an id and anything longer as a phone, as people write it', async () => {
    expect((await findContactArgument(db, String(id), 'RU')).phone).toBe('79161234567');
    expect((await findContactArgument(db, '+7 (916) 123-45-67', 'RU')).id).toBe(id);
    expect((await findContactArgument(db, '89161234567', 'RU')).id).toBe(id);
    expect((await findContactArgument(db, '9161234567', 'RU')).id).toBe(id);
  });

  it('names what it did not find, and a phone that cannot be one', async () => {
    await expect(findContactArgument(db, '999999', 'RU')).rejects.toThrow('contact 999999 does not exist');
    await expect(findContactArgument(db, '+7 999 000-00-00', 'RU')).rejects.toThrow(
      'no contact with phone +79990000000',
    );
    await expect(findContactArgument(db, 'not a phone', 'RU')).rejects.toThrow(/^phone: /);
  });
});
