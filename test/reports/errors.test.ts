import { describe, expect, it } from 'vitest';
import { CampaignNotFoundError } from '../../src/campaigns/errors.js';
import { BroadcasterError } from '../../src/errors.js';
import { CampaignNotFoundForReportError, RunNotFoundForReportError } from '../../src/reports/errors.js';

describe('CampaignNotFoundForReportError', () => {
  it('is a campaign-not-found error naming the campaign, so callers handling that one handle it too', () => {
    const error = new CampaignNotFoundForReportError(42);

    expect(error).toBeInstanceOf(CampaignNotFoundError);
    expect(error).toBeInstanceOf(BroadcasterError);
    expect(error.code).toBe('campaign_not_found');
    expect(error.campaignId).toBe(42);
    expect(error.details).toEqual({ campaignId: 42 });
    expect(error.name).toBe('CampaignNotFoundForReportError');
  });
});

describe('RunNotFoundForReportError', () => {
  it('names both the campaign and the run asked for, in its message and its details', () => {
    const error = new RunNotFoundForReportError(7, 31);

    expect(error).toBeInstanceOf(BroadcasterError);
    expect(error).not.toBeInstanceOf(CampaignNotFoundError);
    expect(error.code).toBe('run_not_found');
    expect(error.message).toBe('campaign 7 has no run 31');
    expect(error).toMatchObject({ campaignId: 7, runId: 31, details: { campaignId: 7, runId: 31 } });
    expect(error.name).toBe('RunNotFoundForReportError');
  });
});
