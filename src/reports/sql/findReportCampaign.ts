import type { CampaignPurpose } from '../../messages/consent.js';
import { CampaignNotFoundForReportError, RunNotFoundForReportError } from '../errors.js';
import type { Queryable, ReportScope } from './reportScope.js';

export interface ReportCampaign {
  name: string;
  kind: string;
  status: string;
  statusReason: string | null;
  transport: string;
  purpose: CampaignPurpose;
}

/** The campaign a report is about; throws when it (or the run asked for) does not exist. */
export async function findReportCampaign(sql: Queryable, scope: ReportScope): Promise<ReportCampaign> {
  const [campaign] = await sql<(ReportCampaign & { runFound: boolean })[]>`
    select c.name, c.kind, c.status, c.status_reason as "statusReason", c.transport, c.purpose,
           ${scope.runId === undefined} or exists (
             select 1 from campaign_runs r where r.campaign_id = c.id and r.id = ${scope.runId ?? null}::int
           ) as "runFound"
    from campaigns c where c.id = ${scope.campaignId}`;
  if (!campaign) throw new CampaignNotFoundForReportError(scope.campaignId);
  if (!campaign.runFound) throw new RunNotFoundForReportError(scope.campaignId, scope.runId!);
  const { runFound: _, ...found } = campaign;
  return found;
}
