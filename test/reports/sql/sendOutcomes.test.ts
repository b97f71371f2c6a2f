import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendOutcomes } from '../../../src/reports/sql/sendOutcomes.js';
import { createTestDatabase, type TestDatabase } from '../../support/database.js';
import { insertCampaign, insertDelivery, insertRun } from '../seedReport.js';

const DUE = '2026-11-27T10:00:00.000Z';
const at = (time: string) => `2026-11-27T${time}.000Z`;

let db: TestDatabase;
let campaign: number;
let runA: number;
let runB: number;

beforeAll(async () => {
  db = await createTestDatabase();
  campaign = await insertCampaign(db.sql, { name: 'Outcomes', transport: 'viber' });
  runA = await insertRun(db.sql, campaign, DUE);
  runB = await insertRun(db.sql, campaign, '2026-11-28T10:00:00.000Z');
  // Accepted after 10, 20, 30 and 40 seconds; one failed after acceptance, one never accepted.
  const rows = [
    { phone: '79014000001', state: 'sent', sentAt: at('10:00:10') },
    { phone: '79014000002', state: 'delivered', sentAt: at('10:00:20'), deliveredAt: at('10:01:00') },
    { phone: '79014000003', state: 'read', sentAt: at('10:00:30'), readAt: at('10:02:00') },
    {
      phone: '79014000004',
      state: 'failed',
      reason: 'undeliverable',
      sentAt: at('10:00:40'),
      failedAt: at('10:03:00'),
    },
    { phone: '79014000005', state: 'failed', reason: 'attempts_exhausted:timeout', failedAt: at('10:04:00') },
    { phone: '79014000006', state: 'queued' },
  ];
  for (const row of rows) await insertDelivery(db.sql, campaign, runA, { dueAt: DUE, ...row });
  await insertDelivery(db.sql, campaign, runB, {
    phone: '79014000007',
    state: 'sent',
    dueAt: '2026-11-28T10:00:00.000Z',
    sentAt: '2026-11-28T10:00:01.000Z',
  });
});
afterAll(async () => {
  await db?.drop();
});

describe('sendOutcomes', () => {
  it('counts what Chat2Desk accepted, what was delivered (read included), read, and still awaiting a status', async () => {
    const outcomes = await sendOutcomes(db.sql, { campaignId: campaign, runId: runA });

    expect(outcomes).toMatchObject({ accepted: 4, delivered: 2, read: 1, awaitingStatus: 1 });
  });

  it('measures due → sent in milliseconds: median, 95th percentile and maximum', async () => {
    const outcomes = await sendOutcomes(db.sql, { campaignId: campaign, runId: runA });

    // 10, 20, 30, 40 s: p50 halfway from 20 to 30, p95 85 % of the way from 30 to 40.
    expect(outcomes.latencyP50).toBe(25_000);
    expect(outcomes.latencyP95).toBeCloseTo(38_500, 6);
    expect(outcomes.latencyMax).toBe(40_000);
  });

  it('covers every run of the campaign when no run is given', async () => {
    const outcomes = await sendOutcomes(db.sql, { campaignId: campaign });

    expect(outcomes).toMatchObject({ accepted: 5, awaitingStatus: 2, latencyMax: 40_000 });
  });

  it('gives zeros and no latency for a campaign where nothing was accepted', async () => {
    const id = await insertCampaign(db.sql, { name: 'Nothing sent', transport: 'viber' });
    const run = await insertRun(db.sql, id, DUE);
    await insertDelivery(db.sql, id, run, { phone: '79014000008', state: 'queued', dueAt: DUE });

    expect(await sendOutcomes(db.sql, { campaignId: id })).toEqual({
      accepted: 0,
      delivered: 0,
      read: 0,
      awaitingStatus: 0,
      latencyP50: null,
      latencyP95: null,
      latencyMax: null,
    });
  });
});
