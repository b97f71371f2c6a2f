import { moveRunsTo } from '../campaigns/runStates.js';
import type { Sql } from '../db/database.js';
import { requestClientDirectorySync } from '../delivery/clientDirectory.js';
import {
  AUDIENCE_BLOCK_SIZE,
  foldBlockTallies,
  materialiseNextBlock,
  materialiseRunAhead,
  skipReason,
} from '../delivery/sql/audienceBlocks.js';
import { BroadcasterError } from '../errors.js';
import { parseSegmentFilter } from '../lists/segmentFilter.js';
import { segmentCondition } from '../lists/segmentSql.js';

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
  list_id: number | null;
  /** The campaign's segment filter (`audience.where`), validated when the campaign was saved. */
  audience_where: string | null;
  transport: string;
  channel_id: number | null;
  /** Resume point: audience members with a higher contact id are still to be expanded. */
  after_id: number;
  /** The number the batch's first block takes. */
  next_block: number;
}

/**
 * Decides a run's audience (the campaign's list, or every contact when it has none): every member's
 * verdict, entirely in SQL, in keyset batches by contact id that each commit on their own, so Node's
 * memory does not grow with the audience and a crash resumes after the last committed batch.
 *
 * The members are stored as blocks of AUDIENCE_BLOCK_SIZE (run_audience_blocks) whose tally of
 * verdicts goes into the kept counts at once, so the run's report counts all of them from the first
 * batch; their delivery rows are made a block at a time (src/delivery/sql/audienceBlocks.ts): the
 * first block's after the first batch, enough for the workers' next minute at the end (a small
 * audience's all), the rest as the workers use them up (the scheduler's materialiseAhead, every
 * second), or as skipped rows when the campaign is cancelled. A row costs a foreign key,
 * four index entries and a count; made at the pace of the sends, it no longer holds the expansion
 * (docs/performance.md §1). `on conflict do nothing` on (run_id, contact_id, reminder_key) makes
 * materialising twice a no-op.
 *
 * A contact who must not get the message gets a `skipped` row with its reason, checked in this
 * order: opted_out, no_consent (a marketing campaign; src/messages/consent.ts), invalid_phone, decided
 * again when its row is made (a STOP since expansion counts). The initial state is NOT written to
 * delivery_events: creating a row is not a change of state, and the row's own queued_at/skipped_at and
 * reason already record it; the event log starts at the first transition.
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
  let first = true;
  for (;;) {
    const batch = await insertNextBatch(sql, runId, cursor, batchSize, now);
    if (batch === undefined || batch.last_contact_id === null) break;
    cursor = batch.last_contact_id;
    total.queued += batch.queued;
    total.skipped += batch.skipped;
    // The first block's rows at once: workers start on them while the rest is decided.
    if (first) await materialiseNextBlock(sql, runId, { now });
    first = false;
  }
  // Rows for the workers' next minute or so (a small audience: all of it); the scheduler tops them up.
  await materialiseRunAhead(sql, { runId, campaignId: run.campaign_id }, { now });

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
 * Decides the next `batchSize` audience members after the resume point (the larger of our cursor and
 * the last contact already expanded for this run, in blocks or in deliveries, so a restarted or second
 * expander carries on where the last committed batch ended) and stores them as blocks of
 * AUDIENCE_BLOCK_SIZE with the tally of their verdicts, which goes into the kept counts in the same
 * transaction. The run row is locked for the batch, so a concurrent cancel either comes first (and
 * nothing is stored) or waits. Returns undefined when the run is no longer `expanding`.
 */
async function insertNextBatch(
  sql: Sql,
  runId: number,
  cursor: number,
  batchSize: number,
  now: Date,
): Promise<BatchResult | undefined> {
  return sql.begin(async (tx) => {
    const [locked] = await tx`
      select 1 from campaign_runs r where r.id = ${runId} and r.status = 'expanding' for update of r`;
    if (!locked) return undefined;
    // Read after the lock, in a statement of its own: its snapshot has the blocks a second expander
    // committed while this one waited.
    const [run] = await tx<LockedRun[]>`
      select r.id, r.campaign_id, c.list_id, c.audience_where, c.transport, c.channel_id,
             greatest(${cursor}::int,
                      coalesce((select max(b.last_contact_id) from run_audience_blocks b where b.run_id = r.id), 0),
                      coalesce((select max(d.contact_id) from deliveries d where d.run_id = r.id), 0)) as after_id,
             coalesce((select max(b.block_no) + 1 from run_audience_blocks b where b.run_id = r.id), 0) as next_block
      from campaign_runs r
      join campaigns c on c.id = r.campaign_id
      where r.id = ${runId}`;
    if (!run) return undefined;
    // Keyset scans on a primary key: contacts (id), or list_members (list_id, contact_id) joined to
    // contacts from the same point on (a join without the bound walked contacts from the first).
    const members =
      run.list_id === null
        ? tx`select * from contacts where id > ${run.after_id} order by id limit ${batchSize}`
        : tx`select c.* from (
               select contact_id from list_members
               where list_id = ${run.list_id} and contact_id > ${run.after_id}
               order by contact_id limit ${batchSize}
             ) m join contacts c on c.id = m.contact_id and c.id > ${run.after_id}`;
    // A segment (audience.where) keeps the members it selects; the batch still moves past all it
    // scanned, so a batch none of whose members match is no end of the audience.
    // Without one the members are read once, as a subquery (a CTE read twice would be kept in memory).
    const segmented = run.audience_where !== null;
    const segment = segmented
      ? segmentCondition(tx, parseSegmentFilter(run.audience_where!), { alias: 'ct', now })
      : tx`true`;
    // A block is any AUDIENCE_BLOCK_SIZE members of the batch: nothing here sorts (a block's rows are
    // made in contact order anyway), and the batch, not the block, is the unit of resumption.
    const [batch] = await tx<(BatchResult & { block_nos: number[] })[]>`
      with ${segmented ? tx`scanned as (${members}),` : tx``}
      verdict as (
        select ct.id, coalesce(${skipReason(tx)}, '') as reason,
               (row_number() over () - 1) / ${AUDIENCE_BLOCK_SIZE}::int as b
        from ${segmented ? tx`scanned` : tx`(${members})`} ct
        cross join (select purpose from campaigns where id = ${run.campaign_id}) k
        where ${segment}
      ),
      members as (select b, max(id) as last_id, array_agg(id) as ids from verdict group by b),
      tallies as (
        select b, array_agg(reason) as reasons, array_agg(n) as counts
        from (select b, reason, count(*)::int as n from verdict group by 1, 2) t
        group by b
      ),
      blocks as (
        insert into run_audience_blocks (
          run_id, block_no, campaign_id, transport, channel_id, last_contact_id, contact_ids,
          tally_reasons, tally_counts, expanded_at
        )
        select ${run.id}::int, ${run.next_block}::int + m.b, ${run.campaign_id}::int, ${run.transport}::text,
               ${run.channel_id}::int, m.last_id, m.ids, t.reasons, t.counts, ${now}::timestamptz
        from members m join tallies t using (b)
        returning block_no
      )
      select ${segmented ? tx`(select max(id) from scanned)` : tx`(select max(last_id) from members)`} as last_contact_id,
             coalesce((select array_agg(block_no) from blocks), '{}') as block_nos,
             (select count(*) from verdict where reason = '')::int as queued,
             (select count(*) from verdict where reason <> '')::int as skipped`;
    if (batch)
      await foldBlockTallies(
        tx,
        batch.block_nos.map((no) => ({ run_id: run.id, block_no: no })),
        1,
      );
    return batch;
  });
}
