import { CampaignNotFoundError } from '../campaigns/errors.js';
import type { Sql } from '../db/database.js';
import { BroadcasterError } from '../errors.js';
import { createProgress, type ProgressStream } from './progress.js';

/** Statuses a campaign ends in, for --wait. */
const FINAL_STATUSES = ['completed', 'cancelled'] as const;
const POLL_MS = 1000;

export interface CampaignProgressRow {
  status: string;
  statusReason: string | null;
  nextRunAt: Date | null;
  total: number;
  /** Deliveries past sending: sent, delivered, read, failed or skipped. */
  settled: number;
}

/** A campaign's status and how many of its deliveries have settled, in one read. */
export async function readCampaignProgress(sql: Sql, campaignId: number): Promise<CampaignProgressRow> {
  const [row] = await sql<CampaignProgressRow[]>`
    select c.status, c.status_reason as "statusReason", c.next_run_at as "nextRunAt",
      coalesce(sum(d.n), 0)::int as total,
      coalesce(sum(d.n) filter (where d.state not in ('queued', 'waiting', 'sending')), 0)::int as settled
    from campaigns c left join delivery_counts d on d.campaign_id = c.id
    where c.id = ${campaignId}
    group by c.id`;
  if (!row) throw new CampaignNotFoundError(campaignId);
  return row;
}

/** The campaign came to rest somewhere other than `completed`: --wait fails, saying where. */
export class CampaignStoppedError extends BroadcasterError {
  constructor(campaignId: number, status: string, reason: string | null) {
    super('campaign_not_completed', `campaign ${campaignId} is ${status}${reason ? ` (${reason})` : ''}`, {
      campaignId,
      status,
      reason,
    });
  }
}

export class WaitInterruptedError extends BroadcasterError {
  constructor(campaignId: number, status: string) {
    super('wait_interrupted', `stopped waiting: campaign ${campaignId} is still ${status}`, { campaignId });
  }
}

/**
 * Polls the campaign every second until it is completed or cancelled, drawing settled / total
 * deliveries. Real time: this is a person watching, not a scheduling decision. The engine
 * (`broadcaster start`) does the work; this only watches.
 *
 * A pause by a person is followed: it says so, and keeps watching until the campaign is resumed and
 * ends (or the user interrupts). A pause by the engine (a status reason such as quota_guard) ends the
 * wait with that reason: someone has to act on its cause first.
 */
export async function waitForCampaign(
  sql: Sql,
  campaignId: number,
  options: { stream: ProgressStream; quiet: boolean; stopped: Promise<unknown> },
): Promise<CampaignProgressRow> {
  const progress = createProgress({
    stream: options.stream,
    label: `Campaign ${campaignId}`,
    mode: options.quiet ? 'off' : 'auto',
  });
  let interrupted = false;
  void options.stopped.then(() => {
    interrupted = true;
  });
  let paused = false;
  const say = (text: string) => {
    if (!options.quiet) options.stream.write(`${options.stream.isTTY ? '\n' : ''}${text}\n`);
  };
  try {
    for (;;) {
      const row = await readCampaignProgress(sql, campaignId);
      progress.update({ done: row.settled, total: row.total || null, detail: describe(row) });
      if ((FINAL_STATUSES as readonly string[]).includes(row.status)) {
        if (row.status !== 'completed')
          throw new CampaignStoppedError(campaignId, row.status, row.statusReason);
        return row;
      }
      if (row.status === 'paused' && row.statusReason !== null) {
        throw new CampaignStoppedError(campaignId, row.status, row.statusReason);
      }
      if ((row.status === 'paused') !== paused) {
        paused = !paused;
        say(
          paused
            ? `Campaign ${campaignId} is paused: waiting for it to be resumed (Ctrl-C stops waiting).`
            : `Campaign ${campaignId} was resumed (${row.status}): watching again.`,
        );
      }
      await Promise.race([new Promise((resolve) => setTimeout(resolve, POLL_MS)), options.stopped]);
      if (interrupted) throw new WaitInterruptedError(campaignId, row.status);
    }
  } finally {
    progress.finish();
  }
}

function describe(row: CampaignProgressRow): string {
  if (row.status === 'paused') return 'paused, waiting for resume';
  if (row.status === 'scheduled' && row.nextRunAt)
    return `scheduled, next run ${row.nextRunAt.toISOString()}`;
  return row.total === 0 ? `${row.status}, no deliveries yet` : `${row.status}, settled`;
}
