import { beforeAll, describe, expect, it } from 'vitest';
import { deliveriesInScope, type Queryable, type ReportScope } from '../../../src/reports/sql/reportScope.js';
import { seedOtherCampaign, seedTwoRunReportCampaign, useTestDatabasePerFile } from '../seedReport.js';

const DUE = '2026-11-27T10:00:00.000Z';

const db = useTestDatabasePerFile();
let campaign: number;
let runA: number;
let runB: number;
let otherRun: number;

beforeAll(async () => {
  ({ campaign, runA, runB } = await seedTwoRunReportCampaign(
    db.sql,
    { name: 'Scoped', transport: 'viber' },
    {
      due: DUE,
      firstRun: [
        { phone: '79009990001', state: 'queued' },
        { phone: '79009990002', state: 'queued' },
      ],
      secondRun: [{ phone: '79009990003', state: 'queued' }],
    },
  ));
  otherRun = (await seedOtherCampaign(db.sql, DUE, [{ phone: '79009990004', state: 'queued' }])).run;
});

async function countIn(sql: Queryable, scope: ReportScope): Promise<number> {
  const [row] = await sql<{ n: number }[]>`
    select count(*)::int as n from deliveries d where ${deliveriesInScope(sql, scope)}`;
  return row!.n;
}

describe('deliveriesInScope', () => {
  it('selects every delivery of the campaign, over all its runs, when no run is given', async () => {
    expect(await countIn(db.sql, { campaignId: campaign })).toBe(3);
    expect(await countIn(db.sql, { campaignId: campaign, runId: undefined })).toBe(3);
  });

  it('selects only the run’s deliveries when a run is given', async () => {
    expect(await countIn(db.sql, { campaignId: campaign, runId: runA })).toBe(2);
    expect(await countIn(db.sql, { campaignId: campaign, runId: runB })).toBe(1);
  });

  it('selects nothing for a run of another campaign', async () => {
    expect(await countIn(db.sql, { campaignId: campaign, runId: otherRun })).toBe(0);
  });

  it('works inside a transaction, as the report runs it', async () => {
    const n = await db.sql.begin('read only', (tx) => countIn(tx, { campaignId: campaign, runId: runA }));
    expect(n).toBe(2);
  });
});
