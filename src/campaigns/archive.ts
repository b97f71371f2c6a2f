import type { Sql } from '../db/database.js';
import { BroadcasterError } from '../errors.js';
import { CampaignNotFoundError } from './errors.js';
import type { CampaignStatus } from './lifecycle.js';

/** The statuses in which a campaign sends nothing more: only those may be archived. */
export const ARCHIVABLE_STATUSES: readonly CampaignStatus[] = ['draft', 'completed', 'cancelled'];

/** An archive asked of a campaign that may still send: it must be cancelled (or finish) first. */
export class CampaignNotArchivableError extends BroadcasterError {
  constructor(campaignId: number, status: string) {
    super(
      'campaign_not_archivable',
      `campaign ${campaignId} is ${status}: only a draft, a completed or a cancelled campaign is archived (cancel it first)`,
      { campaignId, status },
    );
  }
}

/**
 * Archives a campaign (or, with `archived: false`, brings it back): it leaves the console's list,
 * its report and definition stay. One guarded UPDATE: a campaign that may still send is refused.
 */
export async function setCampaignArchived(
  sql: Sql,
  campaignId: number,
  options: { archived: boolean; now: Date },
): Promise<void> {
  const updated = await sql`
    update campaigns set archived_at = ${options.archived ? options.now : null}, updated_at = ${options.now}
    where id = ${campaignId} and (${!options.archived} or status = any(${ARCHIVABLE_STATUSES as string[]}::campaign_status[]))
    returning id`;
  if (updated.length > 0) return;
  const [campaign] = await sql<{ status: string }[]>`select status from campaigns where id = ${campaignId}`;
  if (!campaign) throw new CampaignNotFoundError(campaignId);
  throw new CampaignNotArchivableError(campaignId, campaign.status);
}
