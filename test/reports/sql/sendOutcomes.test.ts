import { beforeAll, describe, expect, it } from 'vitest';
import {
  histogramQuantile,
  latencyBucketBounds,
  sendOutcomes,
} from '../../../src/reports/sql/sendOutcomes.js';
import { seedReportCampaign, seedTwoRunReportCampaign, useTestDatabasePerFile } from '../seedReport.js';

const DUE = '2026-11-27T10:00:00.000Z';
const at = (time: string) => `2026-11-27T${time}.000Z`;

const db = useTestDatabasePerFile();
let campaign: number;
let runA: number;

beforeAll(async () => {
  // Accepted after 10, 20, 30 and 40 seconds; one failed after acceptance, one never accepted.
  ({ campaign, runA } = await seedTwoRunReportCampaign(
    db.sql,
    { name: 'Outcomes', transport: 'viber' },
    {
      due: DUE,
      firstRun: [
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
        {
          phone: '79014000005',
          state: 'failed',
          reason: 'attempts_exhausted:timeout',
          failedAt: at('10:04:00'),
        },
        { phone: '79014000006', state: 'queued' },
      ],
      secondRun: [
        {
          phone: '79014000007',
          state: 'sent',
          dueAt: '2026-11-28T10:00:00.000Z',
          sentAt: '2026-11-28T10:00:01.000Z',
        },
      ],
    },
  ));
});

describe('sendOutcomes', () => {
  it('counts what Chat2Desk accepted, what was delivered (read included), read, and still awaiting a status', async () => {
    const outcomes = await sendOutcomes(db.sql, { campaignId: campaign, runId: runA });

    expect(outcomes).toMatchObject({ accepted: 4, delivered: 2, read: 1, awaitingStatus: 1 });
  });

  it('measures due → sent in milliseconds: median, 95th percentile and maximum', async () => {
    const outcomes = await sendOutcomes(db.sql, { campaignId: campaign, runId: runA });

    // 10, 20, 30, 40 s: p50 halfway from 20 to 30, p95 85 % of the way from 30 to 40; from buckets 2 %
    // wide, so each within 2 %, and the maximum the bound of the slowest send's bucket (never below it).
    expect(Math.abs(outcomes.latencyP50! - 25_000)).toBeLessThanOrEqual(500);
    expect(Math.abs(outcomes.latencyP95! - 38_500)).toBeLessThanOrEqual(770);
    expect(outcomes.latencyMax).toBeGreaterThanOrEqual(40_000);
    expect(outcomes.latencyMax).toBeLessThanOrEqual(40_800);
  });

  it('covers every run of the campaign when no run is given', async () => {
    const outcomes = await sendOutcomes(db.sql, { campaignId: campaign });

    expect(outcomes).toMatchObject({ accepted: 5, awaitingStatus: 2 });
    expect(outcomes.latencyMax).toBeGreaterThanOrEqual(40_000);
  });

  it('gives zeros and no latency for a campaign where nothing was accepted', async () => {
    const { campaign: id } = await seedReportCampaign(db.sql, { name: 'Nothing sent', transport: 'viber' }, [
      { scheduledFor: DUE, deliveries: [{ phone: '79014000008', state: 'queued' }] },
    ]);

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

describe('histogramQuantile', () => {
  it('interpolates between the values either side of the rank, as percentile_cont does', () => {
    const one = (ms: number) => ({ bucket: Math.floor(Math.log(ms + 1) / Math.log(1.02)), n: 1 });
    const buckets = [one(10_000), one(20_000), one(30_000), one(40_000)];
    expect(histogramQuantile(buckets, 0.5)! / 25_000).toBeCloseTo(1, 1);
    expect(histogramQuantile([], 0.5)).toBeNull();
    expect(histogramQuantile([{ bucket: 0, n: 3 }], 0.95)).toBeLessThan(latencyBucketBounds(0).to);
  });

  it('has buckets that meet end to end, each 2 % wider than the one before', () => {
    expect(latencyBucketBounds(0).from).toBe(0);
    expect(latencyBucketBounds(10).to).toBeCloseTo(latencyBucketBounds(11).from, 9);
    const { from, to } = latencyBucketBounds(400);
    expect((to + 1) / (from + 1)).toBeCloseTo(1.02, 9);
  });
});
