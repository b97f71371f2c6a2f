import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contactDeliveries } from '../../src/contacts/contactDeliveries.js';
import { insertCampaign, insertDelivery, insertRun } from '../reports/seedReport.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

let db: TestDatabase;
let contactId: number;

beforeAll(async () => {
  db = await createTestDatabase();
  const first = await insertCampaign(db.sql, { name: 'Autumn', transport: 'viber' });
  const second = await insertCampaign(db.sql, { name: 'Winter', transport: 'viber' });
  const runA = await insertRun(db.sql, first, '2026-10-01T07:00:00Z');
  const runB = await insertRun(db.sql, second, '2026-11-01T07:00:00Z');
  await insertDelivery(db.sql, first, runA, {
    phone: '79160000001',
    name: 'Anna',
    state: 'read',
    dueAt: '2026-10-01T07:00:00Z',
    sentAt: '2026-10-01T07:00:05Z',
  });
  await insertDelivery(db.sql, second, runB, {
    phone: '79160000001',
    name: 'Anna',
    state: 'sent',
    dueAt: '2026-11-01T07:00:00Z',
    sentAt: '2026-11-01T07:00:05Z',
  });
  const runC = await insertRun(db.sql, second, '2026-12-01T07:00:00Z');
  await insertDelivery(db.sql, second, runC, {
    phone: '79160000001',
    name: 'Anna',
    state: 'queued',
    dueAt: '2026-12-01T07:00:00Z',
  });
  await insertDelivery(db.sql, second, runC, {
    phone: '79160000002',
    name: 'Boris',
    state: 'queued',
    dueAt: '2026-12-01T07:00:00Z',
  });
  const [row] = await db.sql<{ id: number }[]>`select id from contacts where phone = '79160000001'`;
  contactId = row!.id;
});
afterAll(async () => {
  await db?.drop();
});

describe('contactDeliveries', () => {
  it('lists one contact’s settled deliveries, newest sends first, a page at a time; one on its way is not among them', async () => {
    const all = await contactDeliveries(db.sql, contactId, { limit: 10, offset: 0 });
    expect(all.map((d) => [d.campaignName, d.state])).toEqual([
      ['Winter', 'sent'],
      ['Autumn', 'read'],
    ]);
    const second = await contactDeliveries(db.sql, contactId, { limit: 1, offset: 1 });
    expect(second.map((d) => d.state)).toEqual(['read']);
  });
});
