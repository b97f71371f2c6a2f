import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { forecastCampaign, forecastStoredCampaign } from '../../src/campaigns/forecast.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { seedContacts } from '../support/engineHarness.js';

const NOW = new Date('2026-11-27T07:00:00.000Z');
const START = new Date('2026-11-27T08:00:00.000Z');

let db: TestDatabase;
let listId: number;

beforeAll(async () => {
  db = await createTestDatabase();
  // 100 members: every 10th opted out, every 4th without consent (20, 40, … are out already).
  await seedContacts(db.sql, { count: 100, list: 'vip', optedOutEvery: 10, noConsentEvery: 4 });
  const [list] = await db.sql<{ id: number }[]>`select id from lists where name = 'vip'`;
  listId = list!.id;
  // Five of them Chat2Desk knows on WhatsApp already; one on Viber only.
  await db.sql`
    update contacts set chat2desk_client_id = id, chat2desk_transports = '{whatsapp}'
    where phone in ('79000000001', '79000000002', '79000000003', '79000000005', '79000000006')`;
  await db.sql`update contacts set chat2desk_client_id = id, chat2desk_transports = '{viber}' where phone = '79000000007'`;
  await db.sql`insert into api_usage (month, requests_counted, monthly_quota) values ('2026-11-01', 1000, 10000)`;
});
afterAll(async () => {
  await db?.drop();
});

const base = {
  listId: 0,
  where: null,
  purpose: 'marketing' as const,
  transport: 'whatsapp',
  campaignPerSecond: null,
  accountPerSecond: 10,
  whatsappDelayMs: 420_000,
  startsAt: START,
  now: NOW,
};

describe('forecastCampaign', () => {
  it('counts the audience after consent and the client requests it needs', async () => {
    const forecast = await forecastCampaign(db.sql, { ...base, listId });
    expect(forecast).toMatchObject({ audience: 100, optedOut: 10, noConsent: 20, recipients: 70 });
    // 70 recipients, 5 of them known on WhatsApp (the Viber-only one is not): 65 clients to create.
    expect(forecast.newClients).toBe(65);
    expect(forecast.requests).toBe(135);
    expect(forecast.quota).toEqual({ month: '2026-11-01', used: 1000, limit: 10_000, share: 0.0135 });
  });

  it('counts the recipients without a time zone (a blank one is none), for a send window read in another zone', async () => {
    await db.sql`update contacts set timezone = 'Europe/Moscow' where phone in ('79000000001', '79000000002', '79000000003')`;
    await db.sql`update contacts set timezone = '  ' where phone = '79000000005'`;
    // An opted-out contact without a zone is no recipient: not counted.
    const forecast = await forecastCampaign(db.sql, { ...base, listId });
    expect(forecast.noTimeZone).toBe(67);
    await db.sql`update contacts set timezone = null`;
  });

  it('needs no opt-in for a transactional campaign; an opt-out still counts', async () => {
    const forecast = await forecastCampaign(db.sql, { ...base, listId, purpose: 'transactional' });
    expect(forecast).toMatchObject({ optedOut: 10, noConsent: 0, recipients: 90 });
  });

  it('finishes at the slower of the account’s requests and the campaign’s messages, after the WhatsApp delay', async () => {
    const account = await forecastCampaign(db.sql, { ...base, listId });
    // 135 requests at 10/s = 13.5 s, then the 7-minute delay for the new clients.
    expect(account.finishesAt).toEqual(new Date(START.getTime() + 13_500 + 420_000));
    const own = await forecastCampaign(db.sql, { ...base, listId, transport: 'viber', campaignPerSecond: 1 });
    // 70 messages at 1/s outlast 139 requests at 10/s; no delay on Viber.
    expect(own.perSecond).toBe(1);
    expect(own.finishesAt).toEqual(new Date(START.getTime() + 70_000));
    const unlimited = await forecastCampaign(db.sql, { ...base, listId, accountPerSecond: 0 });
    expect(unlimited.finishesAt).toBeNull();
  });

  it('narrows the audience by its segment', async () => {
    const forecast = await forecastCampaign(db.sql, { ...base, listId, where: 'discount >= 25' });
    // discount 10 + i % 20 >= 25 for i % 20 in 15..19: five of every twenty of the 100.
    expect(forecast.audience).toBe(25);
  });

  it('reaches every contact for an audience of all', async () => {
    const forecast = await forecastCampaign(db.sql, { ...base, listId: null });
    expect(forecast.audience).toBe(100);
  });

  it('forecasts a stored broadcast, and no reminder', async () => {
    const [broadcast] = await db.sql<{ id: number }[]>`
      insert into campaigns (name, kind, status, transport, channel_id, definition, template_source, list_id, purpose, rate_limit_per_second)
      values ('B', 'broadcast', 'draft', 'whatsapp', 1, '{}', 'Hi', ${listId}, 'marketing', 5) returning id`;
    const [reminder] = await db.sql<{ id: number }[]>`
      insert into campaigns (name, kind, status, transport, channel_id, definition, template_source, purpose)
      values ('R', 'reminder', 'draft', 'whatsapp', 1, '{}', 'Hi', 'transactional') returning id`;
    const options = { accountPerSecond: 10, whatsappDelayMs: 0, startsAt: START, now: NOW };
    expect(await forecastStoredCampaign(db.sql, broadcast!.id, options)).toMatchObject({
      recipients: 70,
      perSecond: 5,
    });
    expect(await forecastStoredCampaign(db.sql, reminder!.id, options)).toBeNull();
  });
});
