import { importAppointmentsCsv } from '../../appointments/importAppointments.js';
import { readTimeZone } from '../../time/zoneNames.js';
import { parseCommandArgs, UsageError } from '../args.js';
import type { CommandContext } from '../context.js';
import { importCsvFile } from '../csvImport.js';
import { exactPositionals, splitSubcommand } from '../positionals.js';
import { listAppointmentsCommand, showAppointmentCommand } from './appointmentViews.js';

export const appointmentsHelp = `Usage: broadcaster appointments import FILE.csv [--timezone ZONE] [--rejects FILE.csv] [--json]

Imports appointments from a CSV file with a header row, adding new ones and updating known ones
by external_id; reminder campaigns then schedule (or move, or drop) their reminders to match:
  external_id  required; your system's id of the appointment
  phone        required; the client's phone (without its country code it is read in
               DEFAULT_PHONE_REGION); an unknown phone becomes a contact, without consent —
               reminders are transactional and need none
  starts_at    required; e.g. 2026-12-01T15:30:00+03:00. Without an offset (2026-12-01T15:30:00,
               01.12.2026 15:30) it is read in the row's timezone, else the contact's stored one,
               else --timezone; with none of them the row is rejected. A time the clocks skip is
               read with the offset from before the change (02:30 → 03:30), one shown twice at its
               first occurrence
  status       booked (default), cancelled or rescheduled
  timezone     the appointment's time zone (Europe/Moscow, MSK, UTC+3); one that cannot be read is
               left out with a warning
  any other column becomes an attribute of the appointment, for reminder templates.
An external_id repeated in the file rejects the later row ("external_id A-17 repeats line 4 of this file").

Options:
  --timezone ZONE     the zone of starts_at times without an offset, for rows with no zone of their
                      own or of their contact (Europe/Moscow, MSK, UTC+3); kept as the appointment's
  --rejects FILE.csv  write every rejected row there, with its line and reason, to fix and import again
  --json              print the import report as JSON (no progress bar)

Example:
  broadcaster appointments import visits.csv --timezone Europe/Moscow --rejects visits-rejected.csv

Rows that cannot be imported are rejected one by one, with their line numbers. Exit code 0 when
anything was imported; 1 when nothing could be or the file cannot be read; 2 for wrong arguments.`;

export async function appointmentsCommand(argv: string[], ctx: CommandContext): Promise<void> {
  const { name, rest } = splitSubcommand('appointments', argv, ['import', 'list', 'show'] as const);
  if (name === 'list') return listAppointmentsCommand(rest, ctx);
  if (name === 'show') return showAppointmentCommand(rest, ctx);
  const { values, positionals } = parseCommandArgs(rest, {
    rejects: { type: 'string' },
    timezone: { type: 'string' },
  });
  const [file] = exactPositionals('appointments import', positionals, ['FILE.csv']);
  const timezone = values.timezone === undefined ? undefined : importTimeZone(values.timezone);
  await importCsvFile(ctx, {
    file: file!,
    json: values.json === true,
    noun: 'appointments',
    rejects: values.rejects,
    importer: (sql, input, options) =>
      importAppointmentsCsv(sql, input, { ...options, ...(timezone ? { timezone } : {}) }),
  });
}

function importTimeZone(text: string): string {
  const zone = readTimeZone(text);
  if (!zone.ok) throw new UsageError(`--timezone: ${zone.reason}`);
  return zone.zone;
}
