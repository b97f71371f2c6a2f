import { beforeAll, describe, expect, it } from 'vitest';
import {
  countByTransportAndChannel,
  type TransportChannelCount,
} from '../../../src/reports/sql/countByTransportAndChannel.js';
import {
  insertCampaign,
  seedOtherCampaign,
  seedReportCampaign,
  seedTwoRunReportCampaign,
  useTestDatabasePerFile,
} from '../seedReport.js';

const DUE = '2026-11-27T10:00:00.000Z';

const db = useTestDatabasePerFile();
let campaign: number;
let runB: number;

beforeAll(async () => {
  ({ campaign, runB } = await seedTwoRunReportCampaign(
    db.sql,
    { name: 'Mixed', transport: 'viber' },
    {
      due: DUE,
      firstRun: [
        { phone: '79011000001', state: 'sent', transport: 'viber', channelId: 1 },
        { phone: '79011000002', state: 'sent', transport: 'viber', channelId: 2 },
        { phone: '79011000003', state: 'queued', transport: 'viber', channelId: 2 },
        { phone: '79011000004', state: 'sent', transport: 'sms', channelId: 2 },
      ],
      secondRun: [{ phone: '79011000005', state: 'waiting', transport: 'sms', channelId: 3 }],
    },
  ));
  await seedOtherCampaign(db.sql, DUE, [{ phone: '79011000006', state: 'sent', channelId: 9 }]);
});

/** Rows grouped by breakdown and key, states sorted: the query orders by breakdown and key only. */
const byState = (rows: TransportChannelCount[]) =>
  [...rows].sort(
    (a, b) =>
      a.breakdown.localeCompare(b.breakdown) ||
      String(a.transport ?? a.channelId).localeCompare(String(b.transport ?? b.channelId)) ||
      a.state.localeCompare(b.state),
  );

describe('countByTransportAndChannel', () => {
  it('counts states per transport and per channel in one result, each row naming its breakdown', async () => {
    expect(byState(await countByTransportAndChannel(db.sql, { campaignId: campaign }))).toEqual([
      { breakdown: 'channel', transport: null, channelId: 1, state: 'sent', n: 1 },
      { breakdown: 'channel', transport: null, channelId: 2, state: 'queued', n: 1 },
      { breakdown: 'channel', transport: null, channelId: 2, state: 'sent', n: 2 },
      { breakdown: 'channel', transport: null, channelId: 3, state: 'waiting', n: 1 },
      { breakdown: 'transport', transport: 'sms', channelId: null, state: 'sent', n: 1 },
      { breakdown: 'transport', transport: 'sms', channelId: null, state: 'waiting', n: 1 },
      { breakdown: 'transport', transport: 'viber', channelId: null, state: 'queued', n: 1 },
      { breakdown: 'transport', transport: 'viber', channelId: null, state: 'sent', n: 2 },
    ]);
  });

  it('orders the channel rows before the transport rows, each by its key', async () => {
    const rows = await countByTransportAndChannel(db.sql, { campaignId: campaign });

    expect(rows.map((r) => r.breakdown)).toEqual([
      ...Array(4).fill('channel'),
      ...Array(4).fill('transport'),
    ]);
    expect(rows.filter((r) => r.breakdown === 'channel').map((r) => r.channelId)).toEqual([1, 2, 2, 3]);
    expect(rows.filter((r) => r.breakdown === 'transport').map((r) => r.transport)).toEqual([
      'sms',
      'sms',
      'viber',
      'viber',
    ]);
  });

  it('counts only the run asked for', async () => {
    expect(await countByTransportAndChannel(db.sql, { campaignId: campaign, runId: runB })).toEqual([
      { breakdown: 'channel', transport: null, channelId: 3, state: 'waiting', n: 1 },
      { breakdown: 'transport', transport: 'sms', channelId: null, state: 'waiting', n: 1 },
    ]);
  });

  it('keeps deliveries without a channel in the channel breakdown, under no channel', async () => {
    const { campaign: id } = await seedReportCampaign(db.sql, { name: 'No channel', transport: 'sms' }, [
      {
        scheduledFor: DUE,
        deliveries: [{ phone: '79011000007', state: 'sent', transport: 'sms', channelId: null }],
      },
    ]);

    expect(await countByTransportAndChannel(db.sql, { campaignId: id })).toEqual([
      { breakdown: 'channel', transport: null, channelId: null, state: 'sent', n: 1 },
      { breakdown: 'transport', transport: 'sms', channelId: null, state: 'sent', n: 1 },
    ]);
  });

  it('gives no rows for a campaign without deliveries', async () => {
    const empty = await insertCampaign(db.sql, { name: 'Empty', transport: 'viber' });
    expect(await countByTransportAndChannel(db.sql, { campaignId: empty })).toEqual([]);
  });
});
