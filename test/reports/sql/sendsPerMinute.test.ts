import { beforeAll, describe, expect, it } from 'vitest';
import { sendsPerMinute } from '../../../src/reports/sql/sendsPerMinute.js';
import { insertCampaign, seedTwoRunReportCampaign, useTestDatabasePerFile } from '../seedReport.js';

const DUE = '2026-11-27T10:00:00.000Z';
const at = (time: string) => `2026-11-27T${time}.000Z`;

const db = useTestDatabasePerFile();
let campaign: number;
let runA: number;

beforeAll(async () => {
  ({ campaign, runA } = await seedTwoRunReportCampaign(
    db.sql,
    { name: 'Rate', transport: 'viber' },
    {
      due: DUE,
      secondRunAt: '2026-11-27T12:00:00.000Z',
      firstRun: [
        { phone: '79015000001', state: 'sent', sentAt: at('10:03:59') },
        { phone: '79015000002', state: 'read', sentAt: at('10:00:00') },
        { phone: '79015000003', state: 'delivered', sentAt: at('10:00:59') },
        { phone: '79015000004', state: 'failed', reason: 'undeliverable', sentAt: at('10:03:01') },
        {
          phone: '79015000005',
          state: 'failed',
          reason: 'attempts_exhausted:timeout',
          failedAt: at('10:01:30'),
        },
        { phone: '79015000006', state: 'queued' },
      ],
      secondRun: [{ phone: '79015000007', state: 'sent', sentAt: at('12:00:30') }],
    },
  ));
});

describe('sendsPerMinute', () => {
  it('counts accepted messages per minute of sent_at, in order, leaving out minutes without a send', async () => {
    expect(await sendsPerMinute(db.sql, { campaignId: campaign, runId: runA })).toEqual([
      { minute: at('10:00:00'), sent: 2 },
      { minute: at('10:03:00'), sent: 2 },
    ]);
  });

  it('covers every run of the campaign when no run is given', async () => {
    const minutes = await sendsPerMinute(db.sql, { campaignId: campaign });
    expect(minutes.map((m) => m.minute)).toEqual([at('10:00:00'), at('10:03:00'), at('12:00:00')]);
  });

  it('gives an empty list when nothing was accepted', async () => {
    const empty = await insertCampaign(db.sql, { name: 'Empty', transport: 'viber' });
    expect(await sendsPerMinute(db.sql, { campaignId: empty })).toEqual([]);
  });
});
