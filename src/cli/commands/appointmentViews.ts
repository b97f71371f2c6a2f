import {
  APPOINTMENT_STATUSES,
  type Appointment,
  getAppointment,
  getAppointmentByExternalId,
  listAppointments,
} from '../../appointments/appointments.js';
import { appointmentTimeline, reminderCountsOf } from '../../appointments/sql/appointmentTimeline.js';
import { BroadcasterError } from '../../errors.js';
import { type DateText, instantOf, readDateText } from '../../time/dateText.js';
import { formatDuration } from '../../time/durations.js';
import { choiceOption, parseCommandArgs, UsageError } from '../args.js';
import { type CommandContext, printJson } from '../context.js';
import { openDatabase } from '../database.js';
import { pageFooter, pagingOptions } from '../paging.js';
import { exactPositionals } from '../positionals.js';
import { formatFields, formatTable } from '../table.js';

/** Shown after the import's help (appointments.ts) as `appointments --help`. */
export const appointmentViewsHelp = `Usage: broadcaster appointments list [--from DATE] [--to DATE] [--status S] [--limit N] [--offset N] [--json]
       broadcaster appointments show EXTERNAL_ID|ID [--json]

list: appointments in start order, a page at a time (--limit, default 50, at most 200; --offset), each
with its reminders counted by state. --from and --to take a date (2026-12-05, 05.12.2026; --to includes
that day) or a time (2026-12-05T15:30:00+03:00); without an offset they are read in DEFAULT_TIMEZONE.
--status: ${APPOINTMENT_STATUSES.join(', ')}.

show: an appointment, by your external_id (or our id), with every reminder it has had: its campaign,
offset, when it is due, its state and the reason (a reschedule or a cancel skips with its reason).

Examples:
  broadcaster appointments import visits.csv --rejects rejected.csv
  broadcaster appointments list --from 2026-12-05 --to 2026-12-06 --status booked
  broadcaster appointments show visit-1042
  broadcaster appointments show visit-1042 --json`;

export class AppointmentNotFoundError extends BroadcasterError {
  constructor(which: string) {
    super('appointment_not_found', `no appointment with external_id or id "${which}"`, { which });
  }
}

export async function listAppointmentsCommand(argv: string[], ctx: CommandContext): Promise<void> {
  const { values, positionals } = parseCommandArgs(argv, {
    from: { type: 'string' },
    to: { type: 'string' },
    status: { type: 'string' },
    limit: { type: 'string' },
    offset: { type: 'string' },
  });
  exactPositionals('appointments list', positionals, []);
  const paging = pagingOptions(values);
  const zone = ctx.config.defaultTimezone;
  const from = values.from === undefined ? undefined : boundary('from', values.from, zone, 'start');
  const to = values.to === undefined ? undefined : boundary('to', values.to, zone, 'end');
  const status = choiceOption('status', values.status, APPOINTMENT_STATUSES);
  const db = await openDatabase(ctx);
  const found = await listAppointments(db, {
    ...paging,
    ...(from === undefined ? {} : { from }),
    ...(to === undefined ? {} : { to }),
    ...(status === undefined ? {} : { status }),
  });
  const counts = await reminderCountsOf(
    db.sql,
    found.items.map((a) => a.id),
  );
  const items = found.items.map((a) => ({ ...a, reminders: counts.get(a.id) ?? {} }));
  if (values.json) return printJson(ctx.stdout, { items, total: found.total, ...paging });
  const rows = items.map((a) => [
    a.id,
    a.externalId,
    `+${a.phone}`,
    a.startsAt,
    a.status,
    Object.entries(a.reminders)
      .map(([state, n]) => `${state} ${n}`)
      .join(', ') || 'none',
  ]);
  const table = rows.length
    ? `${formatTable([{ header: 'ID', align: 'right' }, 'EXTERNAL ID', 'PHONE', 'STARTS AT', 'STATUS', 'REMINDERS'], rows)}\n\n`
    : '';
  ctx.stdout.write(
    `${table}${pageFooter('appointments', { offset: paging.offset, shown: rows.length, total: found.total })}\n`,
  );
}

export async function showAppointmentCommand(argv: string[], ctx: CommandContext): Promise<void> {
  const { values, positionals } = parseCommandArgs(argv, {});
  const [which] = exactPositionals('appointments show', positionals, ['EXTERNAL_ID|ID']);
  const db = await openDatabase(ctx);
  const appointment = await findAppointment(db, which!);
  const reminders = await appointmentTimeline(db.sql, appointment.id);
  if (values.json) return printJson(ctx.stdout, { appointment, reminders });
  const details = formatFields([
    ['Appointment', appointment.id],
    ['External id', appointment.externalId],
    ['Contact', `${appointment.contactId} (+${appointment.phone})`],
    ['Starts at', appointment.startsAt],
    ['Time zone', appointment.timezone],
    ['Status', appointment.status],
    [
      'Attributes',
      Object.keys(appointment.attributes).length ? JSON.stringify(appointment.attributes) : null,
    ],
  ]);
  const timeline = reminders.length
    ? `Reminders:\n${formatTable(
        ['CAMPAIGN', 'OFFSET', 'DUE AT', 'STATE', 'REASON', 'SINCE'],
        reminders.map((r) => [
          `${r.campaignId} ${r.campaignName}`,
          r.offsetSeconds === null ? null : formatDuration(r.offsetSeconds, { signed: true }),
          r.dueAt,
          r.state,
          r.reason,
          r.at,
        ]),
      ).replace(/^/gm, '  ')}`
    : 'Reminders: none (no reminder campaign covers it yet)';
  ctx.stdout.write(`${details}\n\n${timeline}\n`);
}

/** By the caller's external_id first (theirs may be digits too), then by our id. */
async function findAppointment(
  db: Parameters<typeof getAppointment>[0],
  which: string,
): Promise<Appointment> {
  const byExternal = await getAppointmentByExternalId(db, which);
  if (byExternal) return byExternal;
  if (/^\d{1,9}$/.test(which)) {
    const byId = await getAppointment(db, Number(which));
    if (byId) return byId;
  }
  throw new AppointmentNotFoundError(which);
}

/**
 * --from/--to as a moment: a time with its offset as written; a date or a time without an offset in
 * DEFAULT_TIMEZONE. A date given to --to includes that whole day.
 */
export function boundary(name: string, raw: string, zone: string, side: 'start' | 'end'): Date {
  const reading = readDateText(raw);
  if (!reading.ok) throw new UsageError(`--${name}: ${reading.reason}`);
  const value: DateText = reading.value;
  if (side === 'end' && value.kind === 'date') {
    const next = new Date(Date.UTC(value.year, value.month - 1, value.day + 1));
    return instantOf(
      { kind: 'date', year: next.getUTCFullYear(), month: next.getUTCMonth() + 1, day: next.getUTCDate() },
      zone,
    );
  }
  return instantOf(value, zone);
}
