import { moveRunsTo } from '../campaigns/runStates.js';
import { DELIVERIES_CHANNEL } from '../db/channels.js';
import type { Sql } from '../db/database.js';
import { requestClientDirectorySync } from '../delivery/clientDirectory.js';
import { REASONS } from '../delivery/states.js';
import { BroadcasterError } from '../errors.js';
import type { CampaignPurpose } from '../messages/consent.js';
import { DIALLABLE_PHONE_PATTERN } from '../phones/phone.js';

export const DEFAULT_EXPANSION_BATCH_SIZE = 50_000;

export interface ExpansionResult {
  queued: number;
  skipped: number;
}

interface RunToExpand {
  status: 'pending' | 'expanding' | 'running' | 'completed' | 'cancelled';
  kind: 'broadcast' | 'reminder';
  campaign_id: number;
}

interface BatchResult {
  last_contact_id: number | null;
  queued: number;
  skipped: number;
}

/** What a batch needs to know about its run, read while holding the run's row lock. */
interface LockedRun {
  id: number;
  campaign_id: number;
  scheduled_for: Date;
  list_id: number | null;
  purpose: CampaignPurpose;
  transport: string;
  channel_id: number | null;
  /** Resume point: audience members with a higher contact id are still to be expanded. */
  after_id: number;
}

/**
 * Turns a run's audience (the campaign's list, or every contact when it has none) into one
 * delivery per contact, entirely in SQL: keyset batches by contact id, each batch one INSERT … SELECT
 * that commits on its own, so Node's memory does not grow with the audience and a crash resumes
 * after the last committed batch. `on conflict do nothing` on (run_id, contact_id, reminder_key)
 * makes re-expanding a no-op, even by two instances at once.
 *
 * A contact who must not get the message gets a `skipped` row with its reason, checked in this
 * order: opted_out, no_consent (a marketing campaign; src/campaigns/consent.ts), invalid_phone. The initial state is NOT
 * written to delivery_events: creating a row is not a change of state, and the row's own
 * queued_at/skipped_at and reason already record it; the event log starts at the first transition.
 *
 * Run status: pending → expanding → running (with expanded_at). A run found in `expanding` (a crash
 * mid-way) is simply expanded again; a run in any other status is left alone and yields zero counts.
 */
export async function expandCampaignRun(
  sql: Sql,
  runId: number,
  options: { now: Date; batchSize?: number },
): Promise<ExpansionResult> {
  const { now } = options;
  const batchSize = options.batchSize ?? DEFAULT_EXPANSION_BATCH_SIZE;
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    const message = `batchSize must be a positive integer, got ${batchSize}`;
    throw new BroadcasterError('invalid_batch_size', message, { runId });
  }

  const run = await markExpanding(sql, runId, now);
  if (run.kind !== 'broadcast') {
    throw new BroadcasterError(
      'not_a_broadcast',
      `run ${runId} belongs to reminder campaign ${run.campaign_id}; reminders are not expanded from an audience`,
      { runId, campaignId: run.campaign_id },
    );
  }
  if (run.status !== 'expanding') return { queued: 0, skipped: 0 };
  // Before the first delivery can be claimed: contacts already in Chat2Desk are then sent to directly.
  await requestClientDirectorySync(sql, { runId, now });

  const total: ExpansionResult = { queued: 0, skipped: 0 };
  let cursor = 0;
  for (;;) {
    const batch = await insertNextBatch(sql, runId, cursor, batchSize, now);
    if (batch === undefined || batch.last_contact_id === null) break;
    cursor = batch.last_contact_id;
    total.queued += batch.queued;
    total.skipped += batch.skipped;
    // Workers may start on this batch while the next one is being inserted.
    if (batch.queued > 0) await sql`select pg_notify(${DELIVERIES_CHANNEL}, '')`;
  }

  await moveRunsTo(sql, 'running', { ids: [runId] }, { from: ['expanding'], now });
  return total;
}

/** pending → expanding (broadcasts only); returns the run's status after that, `expanding` also after a crash. */
async function markExpanding(sql: Sql, runId: number, now: Date): Promise<RunToExpand> {
  const broadcast = sql`r.id = ${runId}
    and exists (select 1 from campaigns c where c.id = r.campaign_id and c.kind = 'broadcast')`;
  await moveRunsTo(sql, 'expanding', { where: broadcast }, { from: ['pending'], now });
  const [run] = await sql<RunToExpand[]>`
    select r.status, c.kind, r.campaign_id
    from campaign_runs r join campaigns c on c.id = r.campaign_id
    where r.id = ${runId}`;
  if (!run) throw new BroadcasterError('run_not_found', `campaign run ${runId} does not exist`, { runId });
  return run;
}

/**
 * Inserts the deliveries of the next `batchSize` audience members after the resume point: the larger
 * of our cursor and the highest contact already expanded for this run, so a restarted (or second)
 * expander carries on where the last committed batch ended instead of rescanning. The run row is
 * locked for the batch, so a concurrent cancel either comes first (and nothing is inserted) or waits.
 * Returns undefined when the run is no longer `expanding`.
 */
async function insertNextBatch(
  sql: Sql,
  runId: number,
  cursor: number,
  batchSize: number,
  now: Date,
): Promise<BatchResult | undefined> {
  return sql.begin(async (tx) => {
    const [run] = await tx<LockedRun[]>`
      select r.id, r.campaign_id, r.scheduled_for, c.list_id, c.purpose, c.transport, c.channel_id,
             greatest(${cursor}::int,
                      coalesce((select max(d.contact_id) from deliveries d where d.run_id = r.id), 0)) as after_id
      from campaign_runs r
      join campaigns c on c.id = r.campaign_id
      where r.id = ${runId} and r.status = 'expanding'
      for update of r`;
    if (!run) return undefined;
    // Keyset scans on a primary key: list_members (list_id, contact_id) or contacts (id).
    const audience =
      run.list_id === null
        ? tx`select id from contacts where id > ${run.after_id} order by id limit ${batchSize}`
        : tx`select contact_id as id from list_members
             where list_id = ${run.list_id} and contact_id > ${run.after_id}
             order by contact_id limit ${batchSize}`;
    const [batch] = await tx<BatchResult[]>`
      with audience as (${audience}),
      verdict as (
        select ct.id as contact_id,
               case
                 when ct.opted_out_at is not null then ${REASONS.optedOut}::text
                 when ${run.purpose === 'marketing'}::boolean and ct.opted_in_at is null then ${REASONS.noConsent}
                 when ct.phone !~ ${DIALLABLE_PHONE_PATTERN} then ${REASONS.invalidPhone}
               end as reason
        from audience
        join contacts ct on ct.id = audience.id
      ),
      inserted as (
        insert into deliveries (
          run_id, campaign_id, contact_id, state, reason, due_at, next_attempt_at,
          transport, channel_id, queued_at, skipped_at
        )
        select ${run.id}::int, ${run.campaign_id}::int, v.contact_id,
               (case when v.reason is null then 'queued' else 'skipped' end)::delivery_state,
               v.reason, ${run.scheduled_for}::timestamptz, ${run.scheduled_for}::timestamptz,
               ${run.transport}::text, ${run.channel_id}::int,
               case when v.reason is null then ${now}::timestamptz end,
               case when v.reason is not null then ${now}::timestamptz end
        from verdict v
        order by v.contact_id
        on conflict (run_id, contact_id, reminder_key) do nothing
        returning state
      )
      select (select max(id) from audience) as last_contact_id,
             (select count(*) from inserted where state = 'queued')::int as queued,
             (select count(*) from inserted where state = 'skipped')::int as skipped`;
    return batch;
  });
}
