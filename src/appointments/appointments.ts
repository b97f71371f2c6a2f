import type { Database, Sql } from '../db/database.js';
import type { Prisma } from '../db/generated/prisma/client.js';
import {
  type AppointmentInput,
  AppointmentInputError,
  type AppointmentStatus,
  appointmentInputIssues,
} from './appointmentInput.js';
import { scheduleAppointmentReminders } from './scheduleAppointmentReminders.js';

export {
  APPOINTMENT_STATUSES,
  type AppointmentInput,
  AppointmentInputError,
  type AppointmentInputIssue,
  type AppointmentStatus,
} from './appointmentInput.js';

/** An appointment as stored, with its contact's phone. */
export interface Appointment {
  id: number;
  externalId: string;
  contactId: number;
  phone: string;
  startsAt: Date;
  timezone: string | null;
  status: AppointmentStatus;
  attributes: Record<string, unknown>;
  createdAt: Date;
  updatedAt: Date;
}

export interface UpsertedAppointment {
  externalId: string;
  id: number;
  contactId: number;
  /** False: an appointment with this external id existed and was updated (or was already so). */
  created: boolean;
  /** The line of the same import that wrote this appointment before (an external id repeated in a file). */
  earlierLine?: number;
}

/** Which import wrote a batch, and from which line each input (parallel to the inputs) came. */
export interface ImportProvenance {
  importId: number;
  lines: readonly number[];
}

/**
 * Creates or updates appointments by external id, set-based (the CSV import sends ~1000 at a time),
 * and in the same transaction brings their reminders in line (see scheduleAppointmentReminders).
 * A phone no contact has yet makes a contact, without consent. What an input leaves out (timezone,
 * status, attributes) keeps its stored value; an active appointment whose time changes without a
 * status given becomes `rescheduled`. Within one batch a repeated external id counts once, its last
 * occurrence winning; the result has one entry per external id, in order of first appearance. With
 * `provenance` (a CSV import), each appointment records the import and line that wrote it, and one
 * the same import wrote before says at which line.
 * Stays on postgres.js: one JSON batch upserted set-based, saying which rows were new, with the
 * reminders in the same transaction.
 */
export async function upsertAppointments(
  sql: Sql,
  inputs: AppointmentInput[],
  options: { now: Date; provenance?: ImportProvenance; defaultTimezone?: string | undefined },
): Promise<UpsertedAppointment[]> {
  const issues = appointmentInputIssues(inputs);
  if (issues.length > 0) throw new AppointmentInputError(issues);
  const byExternalId = new Map<string, { input: AppointmentInput; line: number | null }>();
  inputs.forEach((input, index) => {
    byExternalId.set(input.externalId, { input, line: options.provenance?.lines[index] ?? null });
  });
  if (byExternalId.size === 0) return [];
  const { now } = options;
  const importId = options.provenance?.importId ?? null;
  const rows = [...byExternalId.values()].map(({ input, line }) => ({
    import_line: line,
    external_id: input.externalId,
    phone: input.phone,
    starts_at: input.startsAt.toISOString(),
    timezone_given: input.timezone !== undefined,
    timezone: input.timezone ?? null,
    status: input.status ?? null,
    attributes: input.attributes ?? null,
    contact_name: input.contactName?.trim() || null,
  }));

  const upserted = await sql.begin(async (tx) => {
    const batch = tx.json(rows as never);
    await tx`
      insert into contacts (phone, name, created_at, updated_at)
      select distinct on (i.phone) i.phone, i.contact_name, ${now}::timestamptz, ${now}::timestamptz
      from jsonb_to_recordset(${batch}) as i(phone text, contact_name text)
      order by i.phone, i.contact_name nulls last
      on conflict (phone) do update set name = excluded.name, updated_at = excluded.updated_at
        where contacts.name is null and excluded.name is not null`;
    const earlier =
      importId === null
        ? []
        : await tx<{ external_id: string; import_line: number }[]>`
            select i.external_id, a.import_line
            from jsonb_to_recordset(${tx.json(rows.map((r) => ({ external_id: r.external_id })) as never)})
              as i(external_id text)
            -- One probe of the external id index per row, whatever the planner thinks of import_id.
            cross join lateral (
              select a.import_line from appointments a
              where a.external_id = i.external_id and a.import_id = ${importId}
              limit 1
            ) a`;
    const changed = await tx<{ external_id: string; created: boolean }[]>`
      with input as (
        select i.external_id, c.id as contact_id, i.starts_at,
               case when i.timezone_given then i.timezone else a.timezone end as timezone,
               coalesce(i.status, case
                 when a.id is null then 'booked'
                 when a.status <> 'cancelled' and a.starts_at <> i.starts_at then 'rescheduled'
                 else a.status end) as status,
               coalesce(i.attributes, a.attributes, '{}'::jsonb) as attributes, i.import_line
        from jsonb_to_recordset(${batch}) as i(external_id text, phone text, starts_at timestamptz,
               timezone_given boolean, timezone text, status appointment_status, attributes jsonb,
               import_line int)
        join contacts c on c.phone = i.phone
        left join appointments a on a.external_id = i.external_id
      )
      insert into appointments (external_id, contact_id, starts_at, timezone, status, attributes,
                                import_id, import_line, created_at, updated_at)
      select external_id, contact_id, starts_at, timezone, status, attributes,
             ${importId}::int, import_line, ${now}, ${now}
      from input order by external_id
      on conflict (external_id) do update set
        contact_id = excluded.contact_id, starts_at = excluded.starts_at, timezone = excluded.timezone,
        status = excluded.status, attributes = excluded.attributes,
        import_id = excluded.import_id, import_line = excluded.import_line,
        -- What was written last is always recorded; the time of the last change only when something changed.
        updated_at = case
          when (appointments.contact_id, appointments.starts_at, appointments.timezone, appointments.status,
                appointments.attributes)
            is distinct from (excluded.contact_id, excluded.starts_at, excluded.timezone, excluded.status,
                              excluded.attributes)
          then excluded.updated_at else appointments.updated_at end
      returning external_id, (xmax = 0) as created`;
    const stored = await tx<{ external_id: string; id: number; contact_id: number }[]>`
      select external_id, id, contact_id from appointments
      where external_id = any(${rows.map((r) => r.external_id)}::text[])`;
    // Unchanged appointments too: a re-import repairs reminders a crash or a late campaign left out.
    await scheduleAppointmentReminders(
      tx,
      stored.map((a) => a.id),
      { now, defaultTimezone: options.defaultTimezone },
    );
    const created = new Set(changed.filter((c) => c.created).map((c) => c.external_id));
    const ids = new Map(stored.map((a) => [a.external_id, a]));
    const earlierLines = new Map(earlier.map((e) => [e.external_id, e.import_line]));
    return rows.map((row) => {
      const appointment = ids.get(row.external_id);
      if (!appointment) throw new Error(`appointment ${row.external_id} vanished while being stored`);
      const earlierLine = earlierLines.get(row.external_id);
      return {
        externalId: row.external_id,
        id: appointment.id,
        contactId: appointment.contact_id,
        created: created.has(row.external_id),
        ...(earlierLine === undefined ? {} : { earlierLine }),
      };
    });
  });
  return upserted;
}

/**
 * Cancels an appointment and, in the same transaction, skips its pending reminders with reason
 * `appointment_cancelled`. Cancelling twice changes nothing; undefined when there is no such appointment.
 * Stays on postgres.js: the skip goes through the delivery writer, in the cancelling transaction.
 */
export async function cancelAppointment(
  db: Pick<Database, 'sql' | 'prisma'>,
  id: number,
  options: { now: Date },
): Promise<Appointment | undefined> {
  await db.sql.begin(async (tx) => {
    const rows = await tx`
      update appointments set status = 'cancelled', updated_at = ${options.now}
      where id = ${id} and status <> 'cancelled'
      returning id`;
    if (rows.length > 0) await scheduleAppointmentReminders(tx, [id], options);
  });
  return getAppointment(db, id);
}

const appointmentSelect = {
  id: true,
  externalId: true,
  contactId: true,
  contact: { select: { phone: true } },
  startsAt: true,
  timezone: true,
  status: true,
  attributes: true,
  createdAt: true,
  updatedAt: true,
} satisfies Prisma.AppointmentSelect;

function toAppointment(row: Prisma.AppointmentGetPayload<{ select: typeof appointmentSelect }>): Appointment {
  return {
    id: row.id,
    externalId: row.externalId,
    contactId: row.contactId,
    phone: row.contact.phone,
    startsAt: row.startsAt,
    timezone: row.timezone,
    status: row.status,
    attributes: row.attributes as Record<string, unknown>,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

export async function getAppointment(
  db: Pick<Database, 'prisma'>,
  id: number,
): Promise<Appointment | undefined> {
  const row = await db.prisma.appointment.findUnique({ where: { id }, select: appointmentSelect });
  return row ? toAppointment(row) : undefined;
}

export async function getAppointmentByExternalId(
  db: Pick<Database, 'prisma'>,
  externalId: string,
): Promise<Appointment | undefined> {
  const row = await db.prisma.appointment.findUnique({ where: { externalId }, select: appointmentSelect });
  return row ? toAppointment(row) : undefined;
}

export interface AppointmentFilter {
  contactId?: number;
  status?: AppointmentStatus;
  /** startsAt at or after. */
  from?: Date;
  /** startsAt before. */
  to?: Date;
  limit: number;
  offset: number;
}

/** Appointments in start order, a page at a time, with how many match in all. */
export async function listAppointments(
  db: Pick<Database, 'prisma'>,
  filter: AppointmentFilter,
): Promise<{ items: Appointment[]; total: number }> {
  const where = {
    ...(filter.contactId === undefined ? {} : { contactId: filter.contactId }),
    ...(filter.status === undefined ? {} : { status: filter.status }),
    ...(filter.from === undefined && filter.to === undefined
      ? {}
      : {
          startsAt: {
            ...(filter.from === undefined ? {} : { gte: filter.from }),
            ...(filter.to === undefined ? {} : { lt: filter.to }),
          },
        }),
  } satisfies Prisma.AppointmentWhereInput;
  const rows = await db.prisma.appointment.findMany({
    where,
    select: appointmentSelect,
    orderBy: [{ startsAt: 'asc' }, { id: 'asc' }],
    skip: filter.offset,
    take: filter.limit,
  });
  const total = await db.prisma.appointment.count({ where });
  return { items: rows.map(toAppointment), total };
}
