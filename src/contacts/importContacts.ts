import type postgres from 'postgres';
import { CsvImportError } from '../csv/csvImportError.js';
import type { CsvInput } from '../csv/csvReader.js';
import type { Sql } from '../db/database.js';
import { skipPendingDeliveries } from '../delivery/sql/skipPendingDeliveries.js';
import { REASONS } from '../delivery/states.js';
import type { PhoneRegion } from '../phones/phone.js';
import {
  CONTACT_COLUMNS,
  type ContactColumn,
  type ContactImportRow,
  readContactRow,
} from './csvContactRow.js';
import {
  type BatchWritten,
  type CsvImportKind,
  type ImportProgress,
  type LinedRow,
  runCsvImport,
} from './csvImport.js';
import { contactColumnOf } from './headerAliases.js';
import type { ImportRepeat, ImportReport } from './importReport.js';

export { IMPORT_BATCH_SIZE, type ImportProgress } from './csvImport.js';

export interface ImportContactsOptions {
  /** Every imported contact becomes a member of this list (created when missing). */
  list?: string;
  now: Date;
  /** DEFAULT_PHONE_REGION: where a phone without its country code is read. */
  phoneRegion: PhoneRegion;
  /** DEFAULT_TIMEZONE: where a consent date without an offset is read when the row names no zone. */
  defaultTimezone?: string;
  /** The file's name, or "api", for the import's record. */
  source?: string;
  /** Called after every batch (and once at the end) with the rows and bytes read so far. */
  onProgress?: (progress: ImportProgress) => void;
  /** Rows per upsert statement (default IMPORT_BATCH_SIZE). */
  batchSize?: number;
  /** Called with the import's id as soon as its record exists. */
  onStart?: (importId: number) => void;
  /** The file's column names → the columns they are (phone, name, …, or an attribute's name). */
  renameColumns?: Readonly<Record<string, string>>;
}

/** What a phone repeated in a file does, as the report says it. */
export const CONTACT_REPEAT_RULE =
  'rows apply in file order: a later non-empty name, time zone or attribute replaces the earlier one; ' +
  'the first recorded consent stands';

/**
 * Imports a contacts CSV (see PRODUCT.md: phone, name, timezone, opted_in, opt_in_source, any other
 * column a template attribute), streaming: rows are read one by one and upserted by phone in
 * batches, one statement per batch, each committed on its own. A row with a bad phone is rejected
 * (line, column, value, reason) and never stops the others; a time zone or consent that cannot be
 * read is left out with a warning and the contact kept (see readContactRow).
 *
 * What a re-import changes: name and timezone when the cell is not empty (an empty cell never clears
 * stored data); attributes are merged (the file's keys win, other stored keys stay). Consent: a row's
 * consent is recorded only when the contact has none yet (the first recorded consent is the evidence
 * kept) and never on an opted-out contact. An explicit no (`false`, `нет`, `0`…) withdraws a recorded
 * consent: the contact keeps no opt-in, the withdrawal is kept with its time, source (opt_in_source,
 * else csv_import) and import, and in the same transaction its pending marketing deliveries are
 * skipped `no_consent` by the delivery writer (reminders need no consent; an opt-out is another
 * thing: optOutContact). An empty cell keeps the consent as it is. A phone repeated in the file: the rows apply in file order, as if imported one
 * after the other; the later one counts as an update and is reported as a repeat with both lines.
 *
 * Throws CsvImportError (nothing imported) when the file is empty, its header is unreadable, has more
 * than MAX_COLUMNS columns, names a column twice or has no phone column.
 */
export async function importContactsCsv(
  sql: Sql,
  input: CsvInput,
  options: ImportContactsOptions,
): Promise<ImportReport> {
  const { now } = options;
  const listName = options.list?.trim();
  if (listName === '') throw new CsvImportError('csv_invalid_option', 'the list name is empty');
  const context = {
    now,
    phoneRegion: options.phoneRegion,
    defaultTimezone: options.defaultTimezone ?? 'UTC',
  };
  let listId: number | undefined;
  const contacts: CsvImportKind<ContactColumn, ContactImportRow> = {
    kind: 'contacts',
    columns: CONTACT_COLUMNS,
    keyColumn: 'phone',
    columnOf: contactColumnOf,
    readRow: (row, columns) => readContactRow(row, columns, context),
    key: (row) => row.phone,
    applyInOrder,
    repeatRule: CONTACT_REPEAT_RULE,
    writeBatch: async (rows, importId) => {
      if (listName !== undefined) listId ??= await ensureList(sql, listName, now);
      const withdrawals = rows.filter(({ row }) => row.withdrawsConsent !== null).map(({ row }) => row);
      if (withdrawals.length === 0) return upsertContacts(sql, rows, { now, listId, importId });
      return sql.begin(async (tx) => {
        const written = await upsertContacts(tx, rows, { now, listId, importId });
        const consentWithdrawn = await withdrawConsent(tx, withdrawals, { now, importId });
        return { ...written, consentWithdrawn };
      });
    },
  };
  return runCsvImport(sql, input, contacts, {
    now,
    ...(options.source === undefined ? {} : { source: options.source }),
    ...(listName === undefined ? {} : { listName }),
    ...(options.batchSize === undefined ? {} : { batchSize: options.batchSize }),
    ...(options.onProgress === undefined ? {} : { onProgress: options.onProgress }),
    ...(options.onStart === undefined ? {} : { onStart: options.onStart }),
    ...(options.renameColumns === undefined ? {} : { renameColumns: options.renameColumns }),
  });
}

/**
 * Two rows for one phone combined the way the upsert applies them one after the other: a later "no"
 * withdraws what came before it; a later consent after an earlier "no" is the consent that stands.
 */
function applyInOrder(earlier: ContactImportRow, later: ContactImportRow): ContactImportRow {
  const consent =
    later.withdrawsConsent !== null || (earlier.withdrawsConsent !== null && later.optedInAt !== null)
      ? later
      : earlier.optedInAt !== null
        ? earlier
        : later.optedInAt !== null
          ? later
          : earlier;
  return {
    phone: later.phone,
    name: later.name ?? earlier.name,
    timezone: later.timezone ?? earlier.timezone,
    optedInAt: consent.optedInAt,
    optInSource: consent.optInSource,
    withdrawsConsent: consent.withdrawsConsent,
    attributes: { ...earlier.attributes, ...later.attributes },
  };
}

/**
 * Takes back the recorded consent of the rows' contacts that have one (and have not opted out: they
 * get nothing anyway), keeping when, on whose word and through which import; then skips their
 * pending marketing deliveries through the delivery writer. Returns how many contacts it changed.
 */
async function withdrawConsent(
  tx: postgres.TransactionSql,
  rows: readonly ContactImportRow[],
  options: { now: Date; importId: number },
): Promise<number> {
  const payload = JSON.stringify(rows.map((r) => ({ phone: r.phone, source: r.withdrawsConsent })));
  const withdrawn = await tx<{ id: number }[]>`
    update contacts c set opted_in_at = null, opt_in_source = null,
      consent_withdrawn_at = ${options.now}, consent_withdrawn_source = w.source,
      consent_withdrawn_import_id = ${options.importId}, updated_at = ${options.now}
    from json_to_recordset(${payload}::text::json) as w(phone text, source text)
    where c.phone = w.phone and c.opted_in_at is not null and c.opted_out_at is null
    returning c.id`;
  if (withdrawn.length === 0) return 0;
  await skipPendingDeliveries(
    tx,
    { marketingOfContactIds: withdrawn.map((c) => c.id) },
    { reason: REASONS.noConsent, now: options.now },
  );
  return withdrawn.length;
}

/** The list's id, creating it when missing (a concurrent import creating it too is fine). */
async function ensureList(sql: Sql, name: string, now: Date): Promise<number> {
  const [list] = await sql<{ id: number }[]>`
    insert into lists (name, created_at) values (${name}, ${now})
    on conflict (name) do update set name = excluded.name
    returning id`;
  return list!.id;
}

/**
 * One statement for a whole batch: the rows travel as one JSON parameter, are upserted by phone
 * (see importContactsCsv for what an update changes), stamped with the import and line that wrote
 * them and, with a list, added to it. `xmax = 0` tells a freshly inserted row from an updated one; a
 * contact this import already wrote (an earlier batch had its phone) is a repeat, read from the
 * statement's snapshot, i.e. before this batch's own writes.
 */
async function upsertContacts(
  sql: Sql | postgres.TransactionSql,
  contacts: LinedRow<ContactImportRow>[],
  options: { now: Date; listId: number | undefined; importId: number },
): Promise<BatchWritten> {
  const { now, listId, importId } = options;
  const payload = JSON.stringify(
    contacts.map(({ line, row: c }) => ({
      line,
      phone: c.phone,
      name: c.name,
      timezone: c.timezone,
      attributes: c.attributes,
      opted_in_at: c.optedInAt?.toISOString() ?? null,
      opt_in_source: c.optInSource,
    })),
  );
  const membership =
    listId === undefined
      ? sql``
      : sql`, listed as (
          insert into list_members (list_id, contact_id, added_at)
          select ${listId}::int, id, ${now}::timestamptz from upserted
          on conflict (list_id, contact_id) do nothing
        )`;
  const [written] = await sql<{ inserted: number; updated: number; repeats: ImportRepeat[] }[]>`
    with input as (
      select * from json_to_recordset(${payload}::text::json)
        as r(line int, phone text, name text, timezone text, attributes jsonb, opted_in_at timestamptz,
             opt_in_source text)
    ),
    -- One probe of the phone index per row (the lateral limit keeps the planner from reading
    -- every contact for the import id instead: that made an import quadratic).
    earlier as (
      select i.line, i.phone as key, c.import_line as "earlierLine"
      from input i
      cross join lateral (
        select c.import_line from contacts c
        where c.phone = i.phone and c.import_id = ${importId}
        limit 1
      ) c
    ),
    upserted as (
      insert into contacts as c (phone, name, timezone, attributes, opted_in_at, opt_in_source,
                                 import_id, import_line, created_at, updated_at)
      select phone, name, timezone, attributes, opted_in_at, opt_in_source,
             ${importId}::int, line, ${now}::timestamptz, ${now}::timestamptz
      from input
      order by phone
      on conflict (phone) do update set
        name = coalesce(excluded.name, c.name),
        timezone = coalesce(excluded.timezone, c.timezone),
        attributes = c.attributes || excluded.attributes,
        -- Consent first: the first recorded consent stands, and no file lifts or bypasses an opt-out.
        opted_in_at = case when c.opted_out_at is null then coalesce(c.opted_in_at, excluded.opted_in_at)
                           else c.opted_in_at end,
        opt_in_source = case when c.opted_out_at is null and c.opted_in_at is null and excluded.opted_in_at is not null
                             then excluded.opt_in_source else c.opt_in_source end,
        import_id = excluded.import_id,
        import_line = excluded.import_line,
        updated_at = excluded.updated_at
      returning c.id, (c.xmax = 0) as inserted
    )
    ${membership}
    select count(*) filter (where inserted)::int as inserted,
           count(*) filter (where not inserted)::int as updated,
           coalesce((select json_agg(earlier order by line) from earlier), '[]'::json) as repeats
    from upserted`;
  return written!;
}
