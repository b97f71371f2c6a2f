import { beforeAll, describe, expect, it } from 'vitest';
import { DELIVERY_STATES } from '../../src/delivery/states.js';
import { listCampaignProgress } from '../../src/reports/campaignProgress.js';
import { insertCampaign, seedReportCampaign, useTestDatabasePerFile } from './seedReport.js';

const DUE = '2026-11-27T10:00:00.000Z';
const ZEROS = Object.fromEntries(DELIVERY_STATES.map((s) => [s, 0]));

const db = useTestDatabasePerFile();
let first: number;
let second: number;
let third: number;

beforeAll(async () => {
  const seeded = await seedReportCampaign(db.sql, { name: 'First', transport: 'viber' }, [
    {
      scheduledFor: DUE,
      deliveries: [
        { phone: '79008880001', state: 'queued' },
        { phone: '79008880002', state: 'sent', sentAt: DUE },
        { phone: '79008880003', state: 'sent', sentAt: DUE },
        { phone: '79008880004', state: 'skipped', reason: 'opted_out', skippedAt: DUE },
      ],
    },
  ]);
  first = seeded.campaign;
  second = await insertCampaign(db.sql, { name: 'Second', transport: 'sms', status: 'scheduled' });
  third = await insertCampaign(db.sql, { name: 'Third', transport: 'whatsapp', kind: 'reminder' });
});

describe('listCampaignProgress', () => {
  it('lists campaigns newest first, with the total count of campaigns', async () => {
    const page = await listCampaignProgress(db.sql, { limit: 50, offset: 0 });

    expect(page.items.map((c) => c.id)).toEqual([third, second, first]);
    expect(page.total).toBe(3);
  });

  it('counts each campaign’s deliveries per state, every state present', async () => {
    const { items } = await listCampaignProgress(db.sql, { limit: 50, offset: 0 });
    const progress = items.find((c) => c.id === first)!;

    expect(progress.total).toBe(4);
    expect(progress.counts).toEqual({ ...ZEROS, queued: 1, sent: 2, skipped: 1 });
    expect(progress).toMatchObject({
      name: 'First',
      kind: 'broadcast',
      status: 'running',
      statusReason: null,
      transport: 'viber',
      nextRunAt: null,
    });
    expect(progress.createdAt).toBeInstanceOf(Date);
  });

  it('gives a campaign without deliveries a total of 0 and every state at 0', async () => {
    const { items } = await listCampaignProgress(db.sql, { limit: 50, offset: 0 });
    const empty = items.find((c) => c.id === second)!;

    expect(empty.total).toBe(0);
    expect(empty.counts).toEqual(ZEROS);
    expect(empty).toMatchObject({ status: 'scheduled', transport: 'sms' });
  });

  it('pages by limit and offset, the total still counting every campaign', async () => {
    const page = await listCampaignProgress(db.sql, { limit: 1, offset: 1 });

    expect(page.items.map((c) => c.id)).toEqual([second]);
    expect(page.total).toBe(3);
  });

  it('gives no items, and the total, past the last page', async () => {
    expect(await listCampaignProgress(db.sql, { limit: 10, offset: 3 })).toEqual({ items: [], total: 3 });
  });
});
