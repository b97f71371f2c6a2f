import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { campaignOverview } from '../../src/reports/overview.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { insertCampaign, insertDelivery, insertRun } from './seedReport.js';

let db: TestDatabase;
let recent: number;
let old: number;

beforeAll(async () => {
  db = await createTestDatabase();
  recent = await insertCampaign(db.sql, { name: 'Recent', transport: 'viber', status: 'completed' });
  old = await insertCampaign(db.sql, { name: 'Old', transport: 'viber', status: 'completed' });
  const run = await insertRun(db.sql, recent, '2026-11-20T07:00:00Z');
  const oldRun = await insertRun(db.sql, old, '2026-09-01T07:00:00Z');
  await db.sql`update campaign_runs set status = 'completed' where id in (${run}, ${oldRun})`;
  // Two sent on the 20th at 23:30 UTC, which is the 21st in Moscow; one failed, one skipped opted out.
  await insertDelivery(db.sql, recent, run, {
    phone: '79000000001',
    state: 'sent',
    dueAt: '2026-11-20T23:00:00Z',
    sentAt: '2026-11-20T23:30:00Z',
  });
  await insertDelivery(db.sql, recent, run, {
    phone: '79000000002',
    state: 'read',
    dueAt: '2026-11-20T23:00:00Z',
    sentAt: '2026-11-20T23:31:00Z',
  });
  await insertDelivery(db.sql, recent, run, {
    phone: '79000000003',
    state: 'failed',
    reason: 'undeliverable',
    dueAt: '2026-11-20T23:00:00Z',
    failedAt: '2026-11-20T23:32:00Z',
  });
  await insertDelivery(db.sql, recent, run, {
    phone: '79000000004',
    state: 'skipped',
    reason: 'opted_out',
    dueAt: '2026-11-20T23:00:00Z',
    skippedAt: '2026-11-20T23:00:00Z',
  });
  await insertDelivery(db.sql, old, oldRun, {
    phone: '79000000005',
    state: 'sent',
    dueAt: '2026-09-01T07:00:00Z',
    sentAt: '2026-09-01T07:00:01Z',
  });
  await db.sql`update contacts set opted_out_at = '2026-11-22T10:00:00Z' where phone in ('79000000004', '79000000005')`;
});
afterAll(async () => {
  await db?.drop();
});

describe('campaignOverview', () => {
  it('counts sends and opt-outs per day in the zone, and each campaign of the period from the kept counts', async () => {
    const overview = await campaignOverview(db.sql, {
      since: new Date('2026-10-28T00:00:00Z'),
      zone: 'Europe/Moscow',
    });
    expect(overview.days).toEqual([
      { day: '2026-11-21', sent: 2, optOuts: 0 },
      { day: '2026-11-22', sent: 0, optOuts: 2 },
    ]);
    expect(overview.totals).toEqual({ sent: 2, failed: 1, skipped: 1, optOuts: 2 });
    expect(overview.campaigns).toEqual([
      {
        id: recent,
        name: 'Recent',
        kind: 'broadcast',
        status: 'completed',
        sent: 2,
        failed: 1,
        skipped: 1,
        optedOut: 1,
      },
    ]);
  });
});
