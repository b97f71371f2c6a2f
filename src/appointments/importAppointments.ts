import { type ImportProgress, type RowResult, runCsvImport } from '../contacts/csvImport.js';
import { appointmentColumnOf } from '../contacts/headerAliases.js';
import type { ImportReport, ImportRowError } from '../contacts/importReport.js';
import { attributeCells, type CsvColumnSpec, type CsvColumns } from '../csv/csvHeader.js';
import type { CsvInput } from '../csv/csvReader.js';
import type { Sql } from '../db/database.js';
import { normalisePhone, type PhoneRegion } from '../phones/phone.js';
import { parseIsoWithOffset } from '../time/timeZones.js';
import { readTimeZone } from '../time/zoneNames.js';
import { appointmentInputIssues } from './appointmentInput.js';
import {
  APPOINTMENT_STATUSES,
  type AppointmentInput,
  type AppointmentStatus,
  upsertAppointments,
} from './appointments.js';

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
}

/**
 * Imports an appointments CSV (PRODUCT.md: external_id, phone, starts_at as an ISO time with its
 * offset, status, plus `timezone`, `name` — the name of a contact the appointment creates — and any
 * other column as an appointment attribute), streaming, through upsertAppointments a batch at a time:
 * contacts are created for unknown phones (without consent) and reminders are scheduled or moved.
 * An empty status, timezone or attribute set keeps what is stored (a new appointment is `booked`).
 * A bad row is reported with its line and column and never stops the others; a time zone that cannot
 * be read is left out with a warning. An external id repeated in the file: the later row wins, taking
 * the earlier row's values for what it leaves out, and is reported with both lines.
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
  return runCsvImport(
    sql,
    input,
    {
      kind: 'appointments',
      columns: APPOINTMENT_COLUMNS,
      keyColumn: 'external_id',
      columnOf: appointmentColumnOf,
      readRow: (row, columns) => readAppointmentRow(row, columns, phoneRegion),
      key: (row) => row.externalId,
      applyInOrder: (earlier, later) => ({ ...earlier, ...definedFields(later) }),
      repeatRule: APPOINTMENT_REPEAT_RULE,
      writeBatch: async (rows, importId) => {
        const stored = await upsertAppointments(
          sql,
          rows.map((r) => r.row),
          { now, provenance: { importId, lines: rows.map((r) => r.line) } },
        );
        const inserted = stored.filter((appointment) => appointment.created).length;
        const lines = new Map(rows.map((r) => [r.row.externalId, r.line]));
        const repeats = stored.flatMap((a) =>
          a.earlierLine === undefined
            ? []
            : [{ line: lines.get(a.externalId) ?? 0, key: a.externalId, earlierLine: a.earlierLine }],
        );
        return { inserted, updated: stored.length - inserted, repeats };
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

/** What an external id repeated in a file does, as the report says it. */
export const APPOINTMENT_REPEAT_RULE =
  "the later row wins; what it leaves empty keeps the earlier row's value";

function readAppointmentRow(
  row: { line: number; cells: string[] },
  columns: CsvColumns<AppointmentColumn>,
  phoneRegion: PhoneRegion,
): RowResult<AppointmentInput> {
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

  const startsAt = readStartsAt(cell('starts_at'));
  if (!(startsAt instanceof Date)) fail('starts_at', startsAt);

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

  if (!phone.ok || !(startsAt instanceof Date) || errors.length > 0) return { ok: false, errors };
  const attributes = attributeCells(cells, columns);
  const input: AppointmentInput = {
    externalId,
    phone: phone.digits,
    startsAt,
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
  return errors.length > 0 ? { ok: false, errors } : { ok: true, value: input, warnings };
}

function readStartsAt(text: string): Date | string {
  if (text === '') return 'starts_at is empty';
  const at = parseIsoWithOffset(text);
  if (at === 'no_offset') return 'the time needs its UTC offset, e.g. 2026-12-01T10:00:00+03:00';
  if (at === null) return 'not an ISO time such as 2026-12-01T10:00:00+03:00';
  return at;
}

/** The fields a row gives, so a later row only overrides what it says. */
function definedFields(input: AppointmentInput): Partial<AppointmentInput> {
  return Object.fromEntries(Object.entries(input).filter(([, value]) => value !== undefined));
}
