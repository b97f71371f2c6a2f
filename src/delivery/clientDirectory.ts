import type { Sql } from '../db/database.js';
import { DIRECTORY_PAGE_SIZE, DIRECTORY_SYNC_STALE_MS } from './clientDirectorySync.js';
import { readClientDirectory, requestClientDirectory } from './sql/clientDirectory.js';

/** Below a page's worth of contacts without a client id, resolving them one by one costs no more. */
export const DIRECTORY_SYNC_MIN_WANTED = DIRECTORY_PAGE_SIZE;
/** Contacts counted at most when deciding (a bounded count, whatever the audience). */
const WANTED_COUNT_CAP = 100_000;
/** A request no worker took up within this long (no worker running?) holds nobody back any more. */
const REQUEST_EXPIRY_MS = 10 * 60_000;
/** How long a contact is held back when the sync's end cannot be estimated yet, and at most. */
const HOLD_UNKNOWN_MS = 15_000;
const HOLD_MIN_MS = 2_000;
const HOLD_MAX_MS = 10 * 60_000;

/**
 * Before a run's deliveries are made: asks for a directory sync when the run's audience holds enough
 * contacts the engine has no Chat2Desk client id for, and the directory (as far as its size is known)
 * costs fewer pages than there are such contacts. Contacts created before the last sync started were
 * looked for by it already and are not counted again. Returns whether a sync was requested.
 */
export async function requestClientDirectorySync(
  sql: Sql,
  options: { runId: number; now: Date },
): Promise<boolean> {
  const directory = await readClientDirectory(sql);
  if (directory?.status === 'syncing') return false;
  const since = directory?.lastStartedAt ?? null;
  const [run] = await sql<{ list_id: number | null }[]>`
    select c.list_id from campaign_runs r join campaigns c on c.id = r.campaign_id where r.id = ${options.runId}`;
  if (!run) return false;
  const audience =
    run.list_id === null
      ? sql`select id from contacts`
      : sql`select contact_id as id from list_members where list_id = ${run.list_id}`;
  const [{ wanted } = { wanted: 0 }] = await sql<{ wanted: number }[]>`
    select count(*)::int as wanted from (
      select 1 from (${audience}) a join contacts c on c.id = a.id
      where c.chat2desk_client_id is null and c.opted_out_at is null
        and (${since}::timestamptz is null or c.created_at >= ${since}::timestamptz)
      limit ${WANTED_COUNT_CAP}) unknown`;
  if (wanted < DIRECTORY_SYNC_MIN_WANTED) return false;
  if (directory?.total != null && Math.ceil(directory.total / DIRECTORY_PAGE_SIZE) > wanted) return false;
  return requestClientDirectory(sql, { now: options.now, wanted });
}

/**
 * Until when a contact without a client id is held back because a directory sync (requested or under
 * way) may find it; null when none is. Never long: a sync whose owner stopped beating, or a request
 * nobody took up, holds nobody.
 */
export async function directorySyncHoldsUntil(sql: Sql, now: Date): Promise<Date | null> {
  const directory = await readClientDirectory(sql);
  if (!directory) return null;
  const at = now.getTime();
  const live =
    (directory.status === 'requested' &&
      directory.requestedAt !== null &&
      at - directory.requestedAt.getTime() < REQUEST_EXPIRY_MS) ||
    (directory.status === 'syncing' &&
      directory.heartbeatAt !== null &&
      at - directory.heartbeatAt.getTime() < DIRECTORY_SYNC_STALE_MS);
  if (!live) return null;
  const expected = directory.expectedDoneAt?.getTime() ?? at + HOLD_UNKNOWN_MS;
  return new Date(Math.min(at + HOLD_MAX_MS, Math.max(at + HOLD_MIN_MS, expected)));
}
