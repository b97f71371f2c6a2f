import { type ImportProgress, type LinedRow, type RowResult, runCsvImport } from '../contacts/csvImport.js';
import { appointmentColumnOf } from '../contacts/headerAliases.js';
import type { ImportReport, ImportRowError } from '../contacts/importReport.js';
import { attributeCells, type CsvColumnSpec, type CsvColumns } from '../csv/csvHeader.js';
import type { CsvInput } from '../csv/csvReader.js';
import type { Sql } from '../db/database.js';
import { normalisePhone, type PhoneRegion } from '../phones/phone.js';
import { type DateText, instantOf, readDateText } from '../time/dateText.js';
import { readTimeZone } from '../time/zoneNames.js';
import { appointmentInputIssues } from './appointmentInput.js';
import {
  APPOINTMENT_STATUSES,
  type AppointmentInput,
  type AppointmentStatus,
  upsertAppointments,
} from './appointments.js';
import { contactTimeZones } from './sql/contactTimeZones.js';

/** A row read: what it stores, and, for a starts_at without an offset or a zone in its row, that local time. */
interface AppointmentRow {
  input: AppointmentInput;
  /** Read in the contact's stored zone, else the import's; input.startsAt is set then. */
  localStartsAt?: { text: string; value: DateText };
  cells: string[];
}

type AppointmentColumn = 'external_id' | 'phone' | 'starts_at' | 'status' | 'timezone' | 'name';

const APPOINTMENT_COLUMNS: CsvColumnSpec<AppointmentColumn> = {
  required: ['external_id', 'phone', 'starts_at'],
  optional: ['status', 'timezone', 'name'],
};

/** Which CSV column holds each AppointmentInput field, to report upsertAppointments' own checks. */
const COLUMN_OF_FIELD: Record<keyof AppointmentInput, AppointmentColumn | undefined> = {
  externalId: 'external_id',
  phone: 'phone',
  startsAt: 'starts_at',
  status: 'status',
  timezone: 'timezone',
  contactName: 'name',
  attributes: undefined,
};

export interface ImportAppointmentsOptions {
  now: Date;
  /** DEFAULT_PHONE_REGION: where a phone without its country code is read. */
  phoneRegion: PhoneRegion;
  /** The file's name, or "api", for the import's record. */
  source?: string;
  /** Called after every batch (and once at the end) with the rows and bytes read so far. */
  onProgress?: (progress: ImportProgress) => void;
  /** Rows per upsertAppointments call (default IMPORT_BATCH_SIZE). */
  batchSize?: number;
  /** The zone of starts_at times without an offset, for rows with no zone of their own or of their contact. */
  timezone?: string;
  /** DEFAULT_TIMEZONE: where reminders of recipients without a zone are placed in their send window. */
  defaultTimezone?: string | undefined;
}

/**
 * Imports an appointments CSV (PRODUCT.md: external_id, phone, starts_at as an ISO time with its
 * offset, status, plus `timezone`, `name` — the name of a contact the appointment creates — and any
 * other column as an appointment attribute), streaming, through upsertAppointments a batch at a time:
 * contacts are created for unknown phones (without consent) and reminders are scheduled or moved.
 * An empty status, timezone or attribute set keeps what is stored (a new appointment is `booked`).
 * A bad row is reported with its line and column and never stops the others; a time zone that cannot
 * be read is left out with a warning. A starts_at without an offset (`2026-12-05T15:30:00`,
 * `05.12.2026 15:30`) is read in the row's timezone, else its contact's stored one, else
 * `options.timezone`, else the row is rejected; a time the clocks skip is read with the offset from
 * before the change (02:30 → 03:30), one they show twice at its first occurrence. An external id
 * repeated in the file rejects the later row, naming the earlier line (one id and line kept per row
 * imported, so memory grows with the file's distinct ids, ~100 bytes each).
 *
 * Throws CsvImportError (nothing imported) when the file is empty, its header is unreadable, has more
 * than MAX_COLUMNS columns, names a column twice or lacks external_id, phone or starts_at.
 */
export async function importAppointmentsCsv(
  sql: Sql,
  input: CsvInput,
  options: ImportAppointmentsOptions,
): Promise<ImportReport> {
  const { now, phoneRegion } = options;
  // The line that brought each external id: a later row with the same id is rejected, naming it.
  const seen = new Map<string, number>();
  return runCsvImport<AppointmentColumn, AppointmentRow>(
    sql,
    input,
    {
      kind: 'appointments',
      columns: APPOINTMENT_COLUMNS,
      keyColumn: 'external_id',
      columnOf: appointmentColumnOf,
      readRow: (row, columns) => {
        const read = readAppointmentRow(row, columns, phoneRegion);
        if (!read.ok) return read;
        const { externalId } = read.value.input;
        const earlierLine = seen.get(externalId);
        if (earlierLine !== undefined) {
          const reason = `external_id ${externalId} repeats line ${earlierLine} of this file`;
          const column = columns.names[columns.known.external_id!] ?? 'external_id';
          return { ok: false, errors: [{ line: row.line, column, value: externalId, reason }] };
        }
        seen.set(externalId, row.line);
        return read;
      },
      key: (row) => row.input.externalId,
      // Never called: a repeated external id is rejected as it is read.
      applyInOrder: (_earlier, later) => later,
      repeatRule: APPOINTMENT_REPEAT_RULE,
      writeBatch: async (rows, importId) => {
        const rejected = await placeLocalTimes(sql, rows, options.timezone);
        const rejectedLines = new Set(rejected.map((r) => r.line));
        const writable = rows.filter((r) => !rejectedLines.has(r.line));
        const stored =
          writable.length === 0
            ? []
            : await upsertAppointments(
                sql,
                writable.map((r) => r.row.input),
                {
                  now,
                  provenance: { importId, lines: writable.map((r) => r.line) },
                  defaultTimezone: options.defaultTimezone,
                },
              );
        const inserted = stored.filter((appointment) => appointment.created).length;
        const lines = new Map(writable.map((r) => [r.row.input.externalId, r.line]));
        const repeats = stored.flatMap((a) =>
          a.earlierLine === undefined
            ? []
            : [{ line: lines.get(a.externalId) ?? 0, key: a.externalId, earlierLine: a.earlierLine }],
        );
        return { inserted, updated: stored.length - inserted, repeats, rejected };
      },
    },
    {
      now,
      ...(options.source === undefined ? {} : { source: options.source }),
      ...(options.batchSize === undefined ? {} : { batchSize: options.batchSize }),
      ...(options.onProgress === undefined ? {} : { onProgress: options.onProgress }),
    },
  );
}

/**
 * Gives each row whose starts_at has no offset (and no zone in its row) its instant, read in its
 * contact's stored zone, else the import's (then kept as the appointment's zone, so its reminder
 * shows the time as written). Answers the rows with neither, rejected.
 */
async function placeLocalTimes(
  sql: Sql,
  rows: LinedRow<AppointmentRow>[],
  importZone: string | undefined,
): Promise<Array<{ line: number; cells: string[]; errors: ImportRowError[] }>> {
  const local = rows.filter((r) => r.row.localStartsAt);
  const zones = await contactTimeZones(
    sql,
    local.map((r) => r.row.input.phone),
  );
  const rejected: Array<{ line: number; cells: string[]; errors: ImportRowError[] }> = [];
  for (const { line, row } of local) {
    const { text, value } = row.localStartsAt!;
    const contactZone = zones.get(row.input.phone);
    const zone = contactZone ?? importZone;
    if (!zone) {
      const reason =
        `${text} has no UTC offset and no time zone is known for it: add an offset ` +
        "(e.g. 2026-12-05T15:30:00+03:00), a timezone column, or a time zone for the whole import (--timezone; the API's ?timezone=)";
      rejected.push({ line, cells: row.cells, errors: [{ line, column: 'starts_at', value: text, reason }] });
      continue;
    }
    row.input.startsAt = instantOf(value, zone);
    if (!contactZone) row.input.timezone = zone;
  }
  return rejected;
}

/** What an external id repeated in a file does, as the report says it. */
export const APPOINTMENT_REPEAT_RULE = 'the later row is rejected, naming the earlier line';

function readAppointmentRow(
  row: { line: number; cells: string[] },
  columns: CsvColumns<AppointmentColumn>,
  phoneRegion: PhoneRegion,
): RowResult<AppointmentRow> {
  const { line, cells } = row;
  const errors: ImportRowError[] = [];
  const warnings: ImportRowError[] = [];
  const cell = (column: AppointmentColumn) => {
    const index = columns.known[column];
    return index === undefined ? '' : (cells[index] ?? '');
  };
  const problem = (column: AppointmentColumn, reason: string): ImportRowError => {
    const value = cell(column);
    const name = columns.names[columns.known[column]!] ?? column;
    return value === '' ? { line, column: name, reason } : { line, column: name, value, reason };
  };
  const fail = (column: AppointmentColumn, reason: string) => errors.push(problem(column, reason));

  const externalId = cell('external_id');
  if (externalId === '') fail('external_id', 'the external id is empty');

  const phone = normalisePhone(cell('phone'), { region: phoneRegion });
  if (!phone.ok) fail('phone', phone.message);
  else if (phone.note) warnings.push(problem('phone', phone.note));

  const status = cell('status').toLowerCase();
  if (status !== '' && !(APPOINTMENT_STATUSES as readonly string[]).includes(status)) {
    fail('status', `expected one of ${APPOINTMENT_STATUSES.join(', ')}`);
  }

  let timezone = '';
  if (cell('timezone') !== '') {
    const zone = readTimeZone(cell('timezone'));
    if (zone.ok) timezone = zone.zone;
    else warnings.push(problem('timezone', `${zone.reason}: the cell was left out`));
  }

  const startsAt = readStartsAt(cell('starts_at'));
  if (typeof startsAt === 'string') fail('starts_at', startsAt);
  // Without an offset: read in the row's zone now, or in its contact's (or the import's) when written.
  const local = typeof startsAt === 'string' || startsAt.kind === 'instant' ? null : startsAt;
  const instant =
    typeof startsAt === 'string'
      ? null
      : startsAt.kind === 'instant'
        ? startsAt.at
        : timezone === ''
          ? new Date(0)
          : instantOf(startsAt, timezone);

  if (!phone.ok || instant === null || errors.length > 0) return { ok: false, errors };
  const attributes = attributeCells(cells, columns);
  const input: AppointmentInput = {
    externalId,
    phone: phone.digits,
    startsAt: instant,
    ...(status === '' ? {} : { status: status as AppointmentStatus }),
    ...(timezone === '' ? {} : { timezone }),
    ...(Object.keys(attributes).length === 0 ? {} : { attributes }),
    ...(cell('name') === '' ? {} : { contactName: cell('name') }),
  };
  // Whatever upsertAppointments would refuse is refused here, for this row only, not its whole batch.
  for (const issue of appointmentInputIssues([input])) {
    const column = COLUMN_OF_FIELD[issue.field];
    if (column) fail(column, `${issue.field} ${issue.message}`);
    else errors.push({ line, reason: `${issue.field} ${issue.message}` });
  }
  if (errors.length > 0) return { ok: false, errors };
  const pending = local !== null && timezone === '';
  return {
    ok: true,
    value: { input, cells, ...(pending ? { localStartsAt: { text: cell('starts_at'), value: local } } : {}) },
    warnings,
  };
}

/** An instant (the text has its offset), a wall-clock time to read in a zone, or why it is neither. */
function readStartsAt(text: string): DateText | string {
  if (text === '') return 'starts_at is empty';
  const reading = readDateText(text);
  if (!reading.ok) return `${reading.reason}; expected an ISO time such as 2026-12-01T10:00:00+03:00`;
  if (reading.value.kind === 'date') return `${text} has no time of day, e.g. 2026-12-01T10:00:00+03:00`;
  return reading.value;
}
