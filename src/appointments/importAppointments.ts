import { isIanaTimeZone, parseIsoWithOffset } from '../campaigns/timeZones.js';
import { attributeCells, type CsvColumnSpec, type CsvColumns } from '../contacts/csvHeader.js';
import { type ImportProgress, type RowResult, runCsvImport } from '../contacts/csvImport.js';
import type { CsvInput } from '../contacts/csvReader.js';
import type { ImportReport, ImportRowError } from '../contacts/importReport.js';
import { normalisePhone } from '../contacts/phone.js';
import type { Sql } from '../db/database.js';
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
 * A bad row is reported with its line and column and never stops the others. An external id
 * repeated in the file: the later row wins, taking the earlier row's values for what it leaves out.
 *
 * Throws CsvImportError (nothing imported) when the file is empty, its header is unreadable, names a
 * column twice or lacks external_id, phone or starts_at.
 */
export async function importAppointmentsCsv(
  sql: Sql,
  input: CsvInput,
  options: ImportAppointmentsOptions,
): Promise<ImportReport> {
  const { now } = options;
  return runCsvImport(
    input,
    {
      columns: APPOINTMENT_COLUMNS,
      readRow: readAppointmentRow,
      key: (row) => row.externalId,
      applyInOrder: (earlier, later) => ({ ...earlier, ...definedFields(later) }),
      writeBatch: async (rows) => {
        const stored = await upsertAppointments(sql, rows, { now });
        const inserted = stored.filter((appointment) => appointment.created).length;
        return { inserted, updated: stored.length - inserted };
      },
    },
    options,
  );
}

function readAppointmentRow(
  row: { line: number; cells: string[] },
  columns: CsvColumns<AppointmentColumn>,
): RowResult<AppointmentInput> {
  const { line, cells } = row;
  const errors: ImportRowError[] = [];
  const cell = (column: AppointmentColumn) => {
    const index = columns.known[column];
    return index === undefined ? '' : (cells[index] ?? '');
  };
  const fail = (column: AppointmentColumn, reason: string) => {
    const value = cell(column);
    const name = columns.names[columns.known[column]!] ?? column;
    errors.push(value === '' ? { line, column: name, reason } : { line, column: name, value, reason });
  };

  const externalId = cell('external_id');
  if (externalId === '') fail('external_id', 'the external id is empty');

  const phone = normalisePhone(cell('phone'));
  if (!phone.ok) fail('phone', phone.message);

  const startsAt = readStartsAt(cell('starts_at'));
  if (!(startsAt instanceof Date)) fail('starts_at', startsAt);

  const status = cell('status').toLowerCase();
  if (status !== '' && !(APPOINTMENT_STATUSES as readonly string[]).includes(status)) {
    fail('status', `expected one of ${APPOINTMENT_STATUSES.join(', ')}`);
  }

  const timezone = cell('timezone');
  if (timezone !== '' && !isIanaTimeZone(timezone)) {
    fail('timezone', 'not an IANA time zone name such as Europe/Moscow');
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
  return errors.length > 0 ? { ok: false, errors } : { ok: true, value: input };
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
