import type { Sql } from '../../db/database.js';

/** The directory sync's row (chat2desk_client_directory): one for the account, shared by every instance. */
export interface ClientDirectoryRow {
  status: 'idle' | 'requested' | 'syncing';
  requestedAt: Date | null;
  startedAt: Date | null;
  heartbeatAt: Date | null;
  expectedDoneAt: Date | null;
  owner: string | null;
  nextOffset: number;
  pages: number;
  learnt: number;
  total: number | null;
  wanted: number;
  lastStartedAt: Date | null;
  lastFinishedAt: Date | null;
  lastOutcome: string | null;
}

const COLUMNS = `status, requested_at as "requestedAt", started_at as "startedAt", heartbeat_at as "heartbeatAt",
  expected_done_at as "expectedDoneAt", owner, next_offset as "nextOffset", pages, learnt, total, wanted,
  last_started_at as "lastStartedAt", last_finished_at as "lastFinishedAt", last_outcome as "lastOutcome"`;

export async function readClientDirectory(sql: Sql): Promise<ClientDirectoryRow | null> {
  const [row] = await sql<
    ClientDirectoryRow[]
  >`select ${sql.unsafe(COLUMNS)} from chat2desk_client_directory`;
  return row ?? null;
}

/**
 * Asks for a sync on behalf of `wanted` contacts without a client id: idle → requested, or more wanted
 * for a sync requested already. False while one is under way (it serves what it can of this run too).
 */
export async function requestClientDirectory(
  sql: Sql,
  options: { now: Date; wanted: number },
): Promise<boolean> {
  const rows = await sql`
    insert into chat2desk_client_directory (status, requested_at, wanted)
    values ('requested', ${options.now}, ${options.wanted})
    on conflict (id) do update set
      status = 'requested', requested_at = excluded.requested_at,
      wanted = case when chat2desk_client_directory.status = 'requested'
                    then chat2desk_client_directory.wanted + excluded.wanted else excluded.wanted end
      where chat2desk_client_directory.status in ('idle', 'requested')
    returning 1`;
  return rows.length > 0;
}

/**
 * Takes a requested sync, or one whose owner stopped beating (`staleBefore`), for `owner`. A new sync
 * starts at offset 0; a taken-over one resumes at its next page.
 */
export async function claimClientDirectory(
  sql: Sql,
  options: { owner: string; now: Date; staleBefore: Date },
): Promise<ClientDirectoryRow | null> {
  const [row] = await sql<ClientDirectoryRow[]>`
    update chat2desk_client_directory set
      status = 'syncing', owner = ${options.owner}, heartbeat_at = ${options.now},
      started_at = case when status = 'requested' then ${options.now} else started_at end,
      next_offset = case when status = 'requested' then 0 else next_offset end,
      pages = case when status = 'requested' then 0 else pages end,
      learnt = case when status = 'requested' then 0 else learnt end,
      expected_done_at = case when status = 'requested' then null else expected_done_at end
    where status = 'requested' or (status = 'syncing' and heartbeat_at < ${options.staleBefore})
    returning ${sql.unsafe(COLUMNS)}`;
  return row ?? null;
}

/** One client of a directory page: its id and its phone as E.164 digits. */
export interface DirectoryClient {
  id: number;
  phone: string;
}

/**
 * Records one page read by `owner`: contacts with these phones and no client id yet learn it (not
 * created by the engine, so no transport is recorded and no new-client delay applies), and the sync
 * advances, in one transaction. Null when the sync is no longer this owner's (taken over as stale).
 */
export async function recordDirectoryPage(
  sql: Sql,
  page: {
    owner: string;
    now: Date;
    clients: readonly DirectoryClient[];
    nextOffset: number;
    total: number | null;
    expectedDoneAt: Date | null;
  },
): Promise<{ learnt: number } | null> {
  return sql.begin(async (tx) => {
    const [mine] = await tx`
      select 1 from chat2desk_client_directory where status = 'syncing' and owner = ${page.owner} for update`;
    if (!mine) return null;
    const learnt = await tx`
      update contacts c set chat2desk_client_id = p.id, updated_at = ${page.now}
      from unnest(${page.clients.map((c) => String(c.id))}::bigint[], ${page.clients.map((c) => c.phone)}::text[])
        as p(id, phone)
      where c.phone = p.phone and c.chat2desk_client_id is null`;
    await tx`
      update chat2desk_client_directory set
        next_offset = ${page.nextOffset}, pages = pages + 1, learnt = learnt + ${learnt.count},
        total = ${page.total}, heartbeat_at = ${page.now}, expected_done_at = ${page.expectedDoneAt}
      where owner = ${page.owner}`;
    return { learnt: learnt.count };
  });
}

/** syncing → idle with its outcome (`complete`, or why it stopped); false when no longer this owner's. */
export async function finishClientDirectory(
  sql: Sql,
  options: { owner: string; now: Date; outcome: string },
): Promise<boolean> {
  const rows = await sql`
    update chat2desk_client_directory set
      status = 'idle', owner = null, heartbeat_at = null, expected_done_at = null,
      last_started_at = started_at, last_finished_at = ${options.now}, last_outcome = ${options.outcome}
    where status = 'syncing' and owner = ${options.owner}
    returning 1`;
  return rows.length > 0;
}

/** A stopping worker lets its sync go stale at once, so another instance resumes it at its next page. */
export async function handOverClientDirectory(sql: Sql, owner: string): Promise<void> {
  await sql`
    update chat2desk_client_directory set heartbeat_at = '-infinity'
    where status = 'syncing' and owner = ${owner}`;
}
