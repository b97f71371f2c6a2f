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

/** Adds (1) or takes back (-1) blocks' tallies of verdicts in the kept counts (one fold for them all). */
export async function foldBlockTallies(
  sql: Queryable,
  runId: number,
  blockNos: readonly number[],
  sign: 1 | -1,
): Promise<void> {
  if (blockNos.length === 0) return;
  await sql`
    select fold_block_tallies(array_fill(${runId}::int, array[${blockNos.length}::int]),
                              ${blockNos as number[]}::int[], ${sign}::int)`;
}

export interface MaterialisedBlock {
  queued: number;
  skipped: number;
  /** Of the skipped: those skipped because the campaign was cancelled. */
  cancelled: number;
}

/**
 * Inserts the delivery rows of one block its caller has locked, with each member's verdict decided
 * now (a STOP since expansion is honoured), and takes the block's tally back out of the kept counts:
 * the rows' own count triggers put the verdicts in, so the counts stay exact across the move. A
 * `cancelled` block's members who would have been sent to are skipped with reason `cancelled`.
 * Queued rows keep the run's due time and the block's expansion time as `queued_at`.
 */
async function materialiseLockedBlock(
  tx: Queryable,
  runId: number,
  blockNo: number,
  options: { now: Date; cancelled: boolean },
): Promise<MaterialisedBlock> {
  await foldBlockTallies(tx, runId, [blockNo], -1);
  const reason = options.cancelled
    ? tx`coalesce(${skipReason(tx)}, ${REASONS.cancelled}::text)`
    : skipReason(tx);
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
             case when v.reason is not null then ${options.now}::timestamptz end
      from run_audience_blocks b
      join campaign_runs r on r.id = b.run_id
      join campaigns k on k.id = b.campaign_id
      cross join lateral unnest(b.contact_ids) as member(id)
      join contacts ct on ct.id = member.id
      cross join lateral (select ${reason} as reason) v
      where b.run_id = ${runId} and b.block_no = ${blockNo}
      order by ct.id
      on conflict (run_id, contact_id, reminder_key) do nothing
      returning state, reason
    ),
    marked as (
      update run_audience_blocks set materialised_at = ${options.now}, contact_ids = null
      where run_id = ${runId} and block_no = ${blockNo}
    )
    select count(*) filter (where state = 'queued')::int as queued,
           count(*) filter (where state = 'skipped')::int as skipped,
           count(*) filter (where reason = ${REASONS.cancelled})::int as cancelled
    from made`;
  return made ?? { queued: 0, skipped: 0, cancelled: 0 };
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
    const [block] = await tx<{ block_no: number }[]>`
      select block_no from run_audience_blocks
      where run_id = ${runId} and materialised_at is null
      order by block_no limit 1
      for update skip locked`;
    if (!block) return undefined;
    return materialiseLockedBlock(tx, runId, block.block_no, { now: options.now, cancelled: false });
  });
  if (made && made.queued > 0) await sql`select pg_notify(${DELIVERIES_CHANNEL}, '')`;
  return made as MaterialisedBlock | undefined;
}

/**
 * Keeps one run's workers fed: materialises its next blocks while its campaign has fewer than
 * DUE_AHEAD deliveries due within a minute (waiting ones held by a send window do not count, so
 * members in other time zones are not held behind them). Returns the rows made.
 */
export async function materialiseRunAhead(
  sql: Sql,
  run: { runId: number; campaignId: number },
  options: { now: Date },
): Promise<number> {
  const soon = new Date(options.now.getTime() + DUE_AHEAD_HORIZON_MS);
  let made = 0;
  while (made < ROWS_PER_PASS) {
    const [due] = await sql<{ n: number }[]>`
      select count(*)::int as n from (
        select 1 from deliveries d
        where d.campaign_id = ${run.campaignId} and d.state in ('queued', 'waiting')
          and d.next_attempt_at <= ${soon}
        limit ${DUE_AHEAD}
      ) ahead`;
    if ((due?.n ?? 0) >= DUE_AHEAD) break;
    const block = await materialiseNextBlock(sql, run.runId, options);
    if (!block) break;
    made += block.queued + block.skipped;
  }
  return made;
}

/**
 * The scheduler's pass: every run of a running campaign with blocks still to materialise is topped
 * up (materialiseRunAhead), oldest run first. Paused campaigns' blocks wait for the resume.
 */
export async function materialiseAhead(sql: Sql, options: { now: Date }): Promise<number> {
  const runs = await sql<{ runId: number; campaignId: number }[]>`
    select b.run_id as "runId", b.campaign_id as "campaignId"
    from run_audience_blocks b
    join campaign_runs r on r.id = b.run_id
    join campaigns k on k.id = b.campaign_id
    where b.materialised_at is null and k.status = 'running' and r.status in ('expanding', 'running')
    group by b.run_id, b.campaign_id, r.scheduled_for
    order by r.scheduled_for, b.run_id`;
  let made = 0;
  for (const run of runs) made += await materialiseRunAhead(sql, run, options);
  return made;
}

/**
 * A cancelled campaign's blocks still to materialise, made at once as skipped rows (reason
 * `cancelled`, or the member's own skip reason), in the caller's transaction: its report lists every
 * member. Waits for a block another transaction is materialising. Returns those skipped as cancelled.
 */
export async function materialiseCancelledBlocks(
  tx: Queryable,
  campaignId: number,
  options: { now: Date },
): Promise<number> {
  const blocks = await tx<{ run_id: number; block_no: number }[]>`
    select run_id, block_no from run_audience_blocks
    where campaign_id = ${campaignId} and materialised_at is null
    order by run_id, block_no
    for update`;
  let cancelled = 0;
  for (const block of blocks) {
    const made = await materialiseLockedBlock(tx, block.run_id, block.block_no, {
      ...options,
      cancelled: true,
    });
    cancelled += made.cancelled;
  }
  return cancelled;
}
