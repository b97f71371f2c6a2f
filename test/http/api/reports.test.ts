import { beforeAll, describe, expect, it } from 'vitest';
import { insertCampaign, insertDelivery, insertRun } from '../../reports/seedReport.js';
import { useApiServerOnTestDatabase } from '../apiServer.js';

const DUE = '2026-11-27T06:00:00Z';

const { db, server } = useApiServerOnTestDatabase();
let campaignId: number;
let firstRun: number;
let secondRun: number;

beforeAll(async () => {
  campaignId = await insertCampaign(db.sql, { name: 'Report me', transport: 'viber' });
  firstRun = await insertRun(db.sql, campaignId, DUE);
  secondRun = await insertRun(db.sql, campaignId, '2026-11-28T06:00:00Z');
  await insertDelivery(db.sql, campaignId, firstRun, {
    phone: '79007000001',
    state: 'delivered',
    dueAt: DUE,
    sentAt: '2026-11-27T06:00:10Z',
    deliveredAt: '2026-11-27T06:01:00Z',
  });
  await insertDelivery(db.sql, campaignId, firstRun, {
    phone: '79007000002',
    state: 'skipped',
    reason: 'opted_out',
    dueAt: DUE,
    skippedAt: DUE,
  });
  await insertDelivery(db.sql, campaignId, secondRun, {
    phone: '79007000003',
    state: 'queued',
    dueAt: '2026-11-28T06:00:00Z',
  });
});

interface ErrorAnswer {
  error: { code: string; details: Record<string, unknown> };
}

describe('GET /campaigns/:id/report', () => {
  it('counts every run of the campaign, or only the one asked for', async () => {
    const all = await server.call<{
      runId: number | null;
      total: number;
      counts: Record<string, number>;
      reasons: Record<string, number>;
    }>('GET', `/api/v1/campaigns/${campaignId}/report`);
    expect(all.status).toBe(200);
    expect(all.body).toMatchObject({ runId: null, total: 3, reasons: { opted_out: 1 } });
    expect(all.body.counts).toMatchObject({ delivered: 1, skipped: 1, queued: 1, sent: 0 });
    const one = await server.call<{ runId: number; total: number }>(
      'GET',
      `/api/v1/campaigns/${campaignId}/report?runId=${secondRun}`,
    );
    expect(one.body).toMatchObject({ runId: secondRun, total: 1 });
  });

  it('answers 404 for a campaign that does not exist, and for a run of another campaign', async () => {
    const missing = await server.call<ErrorAnswer>('GET', '/api/v1/campaigns/987654/report');
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('campaign_not_found');
    const other = await insertCampaign(db.sql, { name: 'Other', transport: 'sms' });
    const wrongRun = await server.call<ErrorAnswer>(
      'GET',
      `/api/v1/campaigns/${other}/report?runId=${firstRun}`,
    );
    expect(wrongRun.status).toBe(404);
    expect(wrongRun.body.error).toMatchObject({
      code: 'run_not_found',
      details: { campaignId: other, runId: firstRun },
    });
  });

  it('refuses a run id that is not a positive integer, and any other parameter', async () => {
    expect((await server.call('GET', `/api/v1/campaigns/${campaignId}/report?runId=0`)).status).toBe(400);
    expect((await server.call('GET', `/api/v1/campaigns/${campaignId}/report?runId=x`)).status).toBe(400);
    expect((await server.call('GET', `/api/v1/campaigns/${campaignId}/report?run=1`)).status).toBe(400);
  });
});

describe('GET /campaigns/:id/report.csv', () => {
  it('streams one line per recipient of the run asked for, named after the campaign and the run', async () => {
    const csv = await server.call('GET', `/api/v1/campaigns/${campaignId}/report.csv?runId=${firstRun}`);
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(csv.headers.get('content-disposition')).toBe(
      `attachment; filename="campaign-${campaignId}-run-${firstRun}-recipients.csv"`,
    );
    const lines = csv.text.trimEnd().split('\r\n');
    expect(lines).toHaveLength(3);
    expect(lines.slice(1).map((line) => line.split(',')[0])).toEqual(['79007000001', '79007000002']);
  });

  it('is the header alone for a campaign without deliveries', async () => {
    const empty = await insertCampaign(db.sql, { name: 'Empty', transport: 'sms' });
    const csv = await server.call('GET', `/api/v1/campaigns/${empty}/report.csv`);
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-disposition')).toBe(
      `attachment; filename="campaign-${empty}-recipients.csv"`,
    );
    expect(csv.text.trimEnd().split('\r\n')).toHaveLength(1);
  });

  it('answers 404 in the error envelope, not a CSV, for a campaign that does not exist', async () => {
    const answer = await server.call<ErrorAnswer>('GET', '/api/v1/campaigns/987654/report.csv');
    expect(answer.status).toBe(404);
    expect(answer.headers.get('content-type')).toMatch(/^application\/json/);
    expect(answer.body.error.code).toBe('campaign_not_found');
  });
});
