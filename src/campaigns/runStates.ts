import type postgres from 'postgres';
import type { Sql } from '../db/database.js';
import { BroadcasterError } from '../errors.js';

/**
 * The run state machine, written down once, with its one writer (moveRunsTo): a broadcast run is
 * created `pending` for one instant of its campaign, `expanding` while its audience becomes
 * deliveries, `running` while they go out, `completed` when none is left to send; a reminder
 * campaign's single run is created `running`. A cancel ends any run that is not over.
 */
export const RUN_STATUSES = ['pending', 'expanding', 'running', 'completed', 'cancelled'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

export const RUN_TRANSITIONS: Readonly<Record<RunStatus, readonly RunStatus[]>> = {
  pending: ['expanding', 'cancelled'],
  expanding: ['running', 'cancelled'],
  running: ['completed', 'cancelled'],
  completed: [],
  cancelled: [],
};

/** Run statuses that still have work to do. */
export const OPEN_RUN_STATUSES = ['pending', 'expanding', 'running'] as const satisfies readonly RunStatus[];

/** The column recording when a run entered a status, where it has one. */
const STATUS_TIMESTAMP_COLUMN: Partial<Record<RunStatus, string>> = {
  running: 'expanded_at',
  completed: 'completed_at',
};

export class InvalidRunTransitionError extends BroadcasterError {
  constructor(from: RunStatus, to: RunStatus) {
    super('invalid_run_transition', `a campaign run cannot go from ${from} to ${to}`, { from, to });
  }
}

type Queryable = Sql | postgres.TransactionSql;

/** Which runs to move: by id, or every run matching a condition on `r` (campaign_runs r). */
export type RunTarget = { ids: readonly number[] } | { where: postgres.PendingQuery<postgres.Row[]> };

export interface RunMove {
  id: number;
  campaignId: number;
  from: RunStatus;
}

/**
 * Moves the targeted runs to `to`, each only from a status leading there (narrowed further by
 * `from`, whose edges must all be in the table), with one campaign_run_events row each, in one
 * statement. Returns the runs that moved; the others were in another status.
 */
export async function moveRunsTo(
  sql: Queryable,
  to: RunStatus,
  target: RunTarget,
  options: { now: Date; from?: readonly RunStatus[]; reason?: string | null },
): Promise<RunMove[]> {
  const allowed = allowedFrom(to, options.from);
  const reason = options.reason ?? null;
  const condition = 'ids' in target ? sql`r.id = any(${target.ids as number[]}::int[])` : target.where;
  const stamp = STATUS_TIMESTAMP_COLUMN[to];
  const rows = await sql<{ id: number; campaign_id: number; from_status: RunStatus }[]>`
    with before as (
      select r.id, r.status from campaign_runs r
      where r.status = any(${allowed}::run_status[]) and ${condition}
      order by r.id
      for update of r
    ), moved as (
      update campaign_runs x set status = ${to}::run_status
        ${stamp ? sql`, ${sql(stamp)} = ${options.now}` : sql``}
      from before where x.id = before.id
      returning x.id, x.campaign_id, before.status as from_status
    ), logged as (
      insert into campaign_run_events (run_id, from_status, to_status, reason, at)
      select id, from_status, ${to}::run_status, ${reason}, ${options.now} from moved
    )
    select id, campaign_id, from_status from moved`;
  return rows.map((row) => ({ id: row.id, campaignId: row.campaign_id, from: row.from_status }));
}

/** The guard of a move: the statuses leading to `to`, narrowed to `from` (each edge checked). */
function allowedFrom(to: RunStatus, from: readonly RunStatus[] | undefined): RunStatus[] {
  if (!from) return RUN_STATUSES.filter((status) => RUN_TRANSITIONS[status].includes(to));
  for (const status of from) {
    if (!RUN_TRANSITIONS[status].includes(to)) throw new InvalidRunTransitionError(status, to);
  }
  return [...from];
}
