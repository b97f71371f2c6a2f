import { beforeAll, describe, expect, it } from 'vitest';
import { runSummaries } from '../../../src/reports/sql/runSummaries.js';
import {
  insertCampaign,
  seedOtherCampaign,
  seedReportCampaign,
  useTestDatabasePerFile,
} from '../seedReport.js';

const DAY1 = '2026-11-27T10:00:00.000Z';
const DAY2 = '2026-11-28T10:00:00.000Z';
const DAY3 = '2026-11-29T10:00:00.000Z';

const db = useTestDatabasePerFile();
let campaign: number;
let day1: number;
let day3: number;
let day2: number;

beforeAll(async () => {
  // Runs inserted out of order: the order comes from scheduled_for, not from the ids.
  const seeded = await seedReportCampaign(db.sql, { name: 'Daily', transport: 'viber' }, [
    { scheduledFor: DAY3 },
    {
      scheduledFor: DAY1,
      deliveries: [
        { phone: '79013000001', state: 'sent', sentAt: DAY1 },
        { phone: '79013000002', state: 'failed', reason: 'undeliverable', sentAt: DAY1, failedAt: DAY1 },
        { phone: '79013000003', state: 'failed', reason: 'attempts_exhausted:timeout', failedAt: DAY1 },
        { phone: '79013000004', state: 'queued' },
        { phone: '79013000005', state: 'waiting', reason: 'rate_limited' },
        { phone: '79013000006', state: 'sending' },
        { phone: '79013000007', state: 'skipped', reason: 'opted_out', skippedAt: DAY1 },
      ],
    },
    { scheduledFor: DAY2, deliveries: [{ phone: '79013000001', state: 'read', sentAt: DAY2 }] },
  ]);
  campaign = seeded.campaign;
  [day3, day1, day2] = seeded.runs as [number, number, number];
  await seedOtherCampaign(db.sql, '2026-12-01T10:00:00.000Z');
});

describe('runSummaries', () => {
  it('summarises the campaign’s runs, most recent first, with totals, accepted and pending', async () => {
    expect(await runSummaries(db.sql, { campaignId: campaign }, 10)).toEqual([
      { runId: day3, scheduledFor: DAY3, status: 'running', total: 0, accepted: 0, pending: 0 },
      { runId: day2, scheduledFor: DAY2, status: 'running', total: 1, accepted: 1, pending: 0 },
      { runId: day1, scheduledFor: DAY1, status: 'running', total: 7, accepted: 2, pending: 3 },
    ]);
  });

  it('keeps at most `limit` runs, the most recent', async () => {
    const runs = await runSummaries(db.sql, { campaignId: campaign }, 2);
    expect(runs.map((r) => r.runId)).toEqual([day3, day2]);
  });

  it('gives only the run asked for', async () => {
    const runs = await runSummaries(db.sql, { campaignId: campaign, runId: day1 }, 10);
    expect(runs.map((r) => r.runId)).toEqual([day1]);
  });

  it('gives nothing for a run of another campaign', async () => {
    const [otherRun] = await db.sql<{ id: number }[]>`
      select r.id from campaign_runs r where r.campaign_id <> ${campaign}`;
    expect(await runSummaries(db.sql, { campaignId: campaign, runId: otherRun!.id }, 10)).toEqual([]);
  });

  it('gives an empty list for a campaign without runs', async () => {
    const none = await insertCampaign(db.sql, { name: 'No runs', transport: 'viber', status: 'scheduled' });
    expect(await runSummaries(db.sql, { campaignId: none }, 10)).toEqual([]);
  });
});
