import { beforeAll, describe, expect, it } from 'vitest';
import {
  countByStateAndReason,
  type StateReasonCount,
} from '../../../src/reports/sql/countByStateAndReason.js';
import {
  insertCampaign,
  seedOtherCampaign,
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
    { name: 'Reasons', transport: 'viber' },
    {
      due: DUE,
      firstRun: [
        { phone: '79010000001', state: 'skipped', reason: 'missing_variable:firstName' },
        { phone: '79010000002', state: 'skipped', reason: 'missing_variable:city' },
        { phone: '79010000003', state: 'skipped', reason: 'opted_out' },
        { phone: '79010000004', state: 'failed', reason: 'attempts_exhausted:timeout' },
        { phone: '79010000005', state: 'sent' },
        { phone: '79010000006', state: 'sent' },
      ],
      secondRun: [{ phone: '79010000007', state: 'failed', reason: 'chat2desk:Invalid phone: 7901' }],
    },
  ));
  await seedOtherCampaign(db.sql, DUE, [{ phone: '79010000008', state: 'skipped', reason: 'opted_out' }]);
});

const sorted = (rows: StateReasonCount[]) =>
  [...rows].sort((a, b) => `${a.state}/${a.reason}`.localeCompare(`${b.state}/${b.reason}`));

describe('countByStateAndReason', () => {
  it('counts a campaign’s deliveries by state and the reason’s part before its first colon', async () => {
    expect(sorted(await countByStateAndReason(db.sql, { campaignId: campaign }))).toEqual([
      { state: 'failed', reason: 'attempts_exhausted', n: 1 },
      { state: 'failed', reason: 'chat2desk', n: 1 },
      { state: 'sent', reason: null, n: 2 },
      { state: 'skipped', reason: 'missing_variable', n: 2 },
      { state: 'skipped', reason: 'opted_out', n: 1 },
    ]);
  });

  it('counts only the run asked for', async () => {
    expect(await countByStateAndReason(db.sql, { campaignId: campaign, runId: runB })).toEqual([
      { state: 'failed', reason: 'chat2desk', n: 1 },
    ]);
  });

  it('gives no rows for a campaign without deliveries', async () => {
    const empty = await insertCampaign(db.sql, { name: 'Empty', transport: 'viber' });
    expect(await countByStateAndReason(db.sql, { campaignId: empty })).toEqual([]);
  });
});
