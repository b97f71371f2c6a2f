import type postgres from 'postgres';
import { DELIVERIES_CHANNEL } from '../../db/channels.js';
import type { Sql } from '../../db/database.js';
import { DIALLABLE_PHONE_PATTERN } from '../../phones/phone.js';
import { REASONS } from '../states.js';

/**
 * A run's audience is decided at expansion and kept as blocks of this many members (run_audience_blocks,
 * migration 20261206070000_audience_blocks); their delivery rows are made a block at a time.
 */
export const AUDIENCE_BLOCK_SIZE = 10_000;

/** Blocks are materialised while a running campaign has fewer deliveries than this due within the horizon. */
export const DUE_AHEAD = 2 * AUDIENCE_BLOCK_SIZE;
const DUE_AHEAD_HORIZON_MS = 60_000;
/** At most this many rows of one run per pass, so a pass stays short when blocks are mostly skips. */
const ROWS_PER_PASS = 2 * DUE_AHEAD;

type Queryable = Sql | postgres.TransactionSql;

/**
 * Why a member gets no message, in this order: opted_out, no_consent (a marketing campaign needs a
 * recorded opt-in; src/messages/consent.ts), invalid_phone; null when it is sent to. Reads the contact
 * as `ct` and the campaign as `k`.
 */
export function skipReason(sql: Queryable) {
  return sql`case
    when ct.opted_out_at is not null then ${REASONS.optedOut}::text
    when k.purpose = 'marketing' and ct.opted_in_at is null then ${REASONS.noConsent}
    when ct.phone !~ ${DIALLABLE_PHONE_PATTERN} then ${REASONS.invalidPhone}
  end`;
}

/**
 * What a member's row gets when it is made: its skip reason, or `cancelled` when its run was
 * cancelled, or null (queued). Reads the contact as `ct`, the campaign as `k` and the run as `r`.
 */
export function memberVerdict(sql: Queryable) {
  return sql`coalesce(${skipReason(sql)}, case when r.status = 'cancelled' then ${REASONS.cancelled}::text end)`;
}

/** A block, by its run and number. */
export interface BlockKey {
  run_id: number;
  block_no: number;
}

/** Adds (1) or takes back (-1) blocks' tallies of verdicts in the kept counts (one fold for them all). */
export async function foldBlockTallies(
  sql: Queryable,
  blocks: readonly BlockKey[],
  sign: 1 | -1,
): Promise<void> {
  if (blocks.length === 0) return;
  await sql`
    select fold_block_tallies(${blocks.map((b) => b.run_id)}::int[], ${blocks.map((b) => b.block_no)}::int[],
                              ${sign}::int)`;
}

export interface MaterialisedBlock {
  queued: number;
  skipped: number;
}

/**
 * Inserts the delivery rows of one block its caller has locked, with each member's verdict decided
 * now (a STOP since expansion is honoured; a cancelled run's members are skipped `cancelled`), and
 * takes the block's tally back out of the kept counts: the rows' own count triggers put the verdicts
 * in, so the counts stay exact across the move. Queued rows keep the run's due time and the block's
 * expansion time as `queued_at`.
 */
async function materialiseLockedBlock(tx: Queryable, block: BlockKey, now: Date): Promise<MaterialisedBlock> {
  await foldBlockTallies(tx, [block], -1);
  const [made] = await tx<MaterialisedBlock[]>`
    with made as (
      insert into deliveries (
        run_id, campaign_id, contact_id, state, reason, due_at, next_attempt_at,
        transport, channel_id, queued_at, skipped_at
      )
      select b.run_id, b.campaign_id, ct.id,
             (case when v.reason is null then 'queued' else 'skipped' end)::delivery_state, v.reason,
             r.scheduled_for, r.scheduled_for, b.transport, b.channel_id,
             case when v.reason is null then b.expanded_at end,
             case when v.reason is not null then ${now}::timestamptz end
      from run_audience_blocks b
      join campaign_runs r on r.id = b.run_id
      join campaigns k on k.id = b.campaign_id
      cross join lateral unnest(b.contact_ids) as member(id)
      join contacts ct on ct.id = member.id
      cross join lateral (select ${memberVerdict(tx)} as reason) v
      where b.run_id = ${block.run_id} and b.block_no = ${block.block_no}
      order by ct.id
      on conflict (run_id, contact_id, reminder_key) do nothing
      returning state
    ),
    marked as (
      update run_audience_blocks set materialised_at = ${now}, contact_ids = null
      where run_id = ${block.run_id} and block_no = ${block.block_no}
    )
    select count(*) filter (where state = 'queued')::int as queued,
           count(*) filter (where state = 'skipped')::int as skipped
    from made`;
  return made ?? { queued: 0, skipped: 0 };
}

/**
 * Materialises the run's next block no one else is materialising (skip locked), in its own
 * transaction, and wakes idle workers when it queued any; undefined when no block was free.
 */
export async function materialiseNextBlock(
  sql: Sql,
  runId: number,
  options: { now: Date },
): Promise<MaterialisedBlock | undefined> {
  const made = await sql.begin(async (tx) => {
    // The run first, as the expansion (for update, a batch at a time) and a cancel (its status) take
    // it before the blocks and the counts: taken later, by the rows' foreign key, it deadlocked with
    // an expansion batch waiting for the counts this block had locked.
    await tx`select 1 from campaign_runs where id = ${runId} for key share`;
    const [block] = await tx<BlockKey[]>`
      select run_id, block_no from run_audience_blocks
      where run_id = ${runId} and materialised_at is null
      order by block_no limit 1
      for update skip locked`;
    if (!block) return undefined;
    return materialiseLockedBlock(tx, block, options.now);
  });
  if (made && made.queued > 0) await sql`select pg_notify(${DELIVERIES_CHANNEL}, '')`;
  return made as MaterialisedBlock | undefined;
}

/**
 * Keeps one run's workers fed: materialises its next blocks while its campaign has fewer than
 * DUE_AHEAD deliveries due within a minute (waiting ones held by a send window do not count, so
 * members in other time zones are not held behind them). A cancelled run's blocks are made (as
 * skipped rows) without waiting for anything. Returns the rows made.
 */
export async function materialiseRunAhead(
  sql: Sql,
  run: { runId: number; campaignId: number; cancelled?: boolean },
  options: { now: Date },
): Promise<number> {
  const soon = new Date(options.now.getTime() + DUE_AHEAD_HORIZON_MS);
  let made = 0;
  while (made < ROWS_PER_PASS) {
    if (!run.cancelled && (await dueBefore(sql, run.campaignId, soon)) >= DUE_AHEAD) break;
    const block = await materialiseNextBlock(sql, run.runId, options);
    if (!block) break;
    made += block.queued + block.skipped;
  }
  return made;
}

/** The campaign's deliveries due before `soon`, counted up to DUE_AHEAD (in the claim index). */
async function dueBefore(sql: Sql, campaignId: number, soon: Date): Promise<number> {
  const [due] = await sql<{ n: number }[]>`
    select count(*)::int as n from (
      select 1 from deliveries d
      where d.campaign_id = ${campaignId} and d.state in ('queued', 'waiting') and d.next_attempt_at <= ${soon}
      limit ${DUE_AHEAD}
    ) ahead`;
  return due?.n ?? 0;
}

/**
 * The scheduler's pass: every run of a running campaign with blocks still to materialise is topped
 * up (materialiseRunAhead), oldest run first, and a cancelled run's blocks are made as skipped rows.
 * Paused campaigns' blocks wait for the resume.
 */
export async function materialiseAhead(sql: Sql, options: { now: Date }): Promise<number> {
  const runs = await sql<{ runId: number; campaignId: number; cancelled: boolean }[]>`
    select b.run_id as "runId", b.campaign_id as "campaignId", r.status = 'cancelled' as cancelled
    from run_audience_blocks b
    join campaign_runs r on r.id = b.run_id
    join campaigns k on k.id = b.campaign_id
    where b.materialised_at is null
      and (r.status = 'cancelled' or (k.status = 'running' and r.status in ('expanding', 'running')))
    group by b.run_id, b.campaign_id, r.status, r.scheduled_for
    order by r.scheduled_for, b.run_id`;
  let made = 0;
  for (const run of runs) made += await materialiseRunAhead(sql, run, options);
  return made;
}

/**
 * A campaign being cancelled (its runs already cancelled, in the caller's transaction): the members
 * of its blocks still to materialise who would have been sent to are counted as skipped `cancelled`
 * at once — the blocks' tallies say so, and the kept counts move with them — and their rows are made
 * later, by the scheduler, as skipped rows (materialiseAhead). So a cancel costs a few rows per
 * 10,000 members, whatever the audience. Waits for a block another transaction is materialising.
 * Returns the members counted as cancelled.
 */
export async function cancelUnmadeBlocks(tx: Queryable, campaignId: number): Promise<number> {
  const blocks = await tx<BlockKey[]>`
    select run_id, block_no from run_audience_blocks
    where campaign_id = ${campaignId} and materialised_at is null
    order by run_id, block_no
    for update`;
  if (blocks.length === 0) return 0;
  await foldBlockTallies(tx, blocks, -1);
  const [moved] = await tx<{ n: number }[]>`
    with changed as (
      update run_audience_blocks b
      set tally_reasons = array(
        select case when t.reason = '' then ${REASONS.cancelled} else t.reason end
        from unnest(b.tally_reasons) with ordinality as t(reason, position) order by t.position)
      from unnest(${blocks.map((k) => k.run_id)}::int[], ${blocks.map((k) => k.block_no)}::int[]) as k(run_id, block_no)
      where b.run_id = k.run_id and b.block_no = k.block_no
      returning (select coalesce(sum(t.n), 0) from unnest(b.tally_reasons, b.tally_counts) as t(reason, n)
                 where t.reason = ${REASONS.cancelled}) as n
    )
    select coalesce(sum(n), 0)::int as n from changed`;
  await foldBlockTallies(tx, blocks, 1);
  return moved?.n ?? 0;
}
