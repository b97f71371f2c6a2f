import { beforeAll, describe, expect, it } from 'vitest';
import { CampaignNotFoundForReportError, RunNotFoundForReportError } from '../../../src/reports/errors.js';
import { findReportCampaign } from '../../../src/reports/sql/findReportCampaign.js';
import { seedOtherCampaign, seedReportCampaign, useTestDatabasePerFile } from '../seedReport.js';

const DUE = '2026-11-27T10:00:00.000Z';

const db = useTestDatabasePerFile();
let campaign: number;
let run: number;
let otherRun: number;

beforeAll(async () => {
  const found = await seedReportCampaign(db.sql, { name: 'Found', transport: 'sms', status: 'paused' }, [
    { scheduledFor: DUE },
  ]);
  campaign = found.campaign;
  run = found.runs[0]!;
  otherRun = (await seedOtherCampaign(db.sql, DUE)).run;
});

const FOUND = {
  name: 'Found',
  kind: 'broadcast',
  status: 'paused',
  statusReason: null,
  transport: 'sms',
  purpose: 'marketing',
};

describe('findReportCampaign', () => {
  it('gives the campaign’s name, kind, status, transport and purpose', async () => {
    expect(await findReportCampaign(db.sql, { campaignId: campaign })).toEqual(FOUND);
  });

  it('gives the same campaign when the run asked for is one of its own', async () => {
    expect(await findReportCampaign(db.sql, { campaignId: campaign, runId: run })).toEqual(FOUND);
  });

  it('throws a campaign-not-found error naming an unknown campaign', async () => {
    const error = await findReportCampaign(db.sql, { campaignId: 999_999 }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(CampaignNotFoundForReportError);
    expect(error).toMatchObject({ code: 'campaign_not_found', campaignId: 999_999 });
  });

  it('throws a run-not-found error naming the campaign and a run of another campaign', async () => {
    const error = await findReportCampaign(db.sql, { campaignId: campaign, runId: otherRun }).catch(
      (e: unknown) => e,
    );

    expect(error).toBeInstanceOf(RunNotFoundForReportError);
    expect(error).toMatchObject({ code: 'run_not_found', campaignId: campaign, runId: otherRun });
  });

  it('names the campaign, not the run, when neither exists', async () => {
    await expect(findReportCampaign(db.sql, { campaignId: 999_999, runId: 888_888 })).rejects.toBeInstanceOf(
      CampaignNotFoundForReportError,
    );
  });

  it('throws a run-not-found error for a run that does not exist at all', async () => {
    await expect(findReportCampaign(db.sql, { campaignId: campaign, runId: 888_888 })).rejects.toBeInstanceOf(
      RunNotFoundForReportError,
    );
  });
});
