import { CampaignNotFoundError } from '../campaigns/errors.js';
import { BroadcasterError } from '../errors.js';

export class CampaignNotFoundForReportError extends CampaignNotFoundError {}

export class RunNotFoundForReportError extends BroadcasterError {
  constructor(
    readonly campaignId: number,
    readonly runId: number,
  ) {
    super('run_not_found', `campaign ${campaignId} has no run ${runId}`, { campaignId, runId });
  }
}
