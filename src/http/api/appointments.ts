import type { FastifyInstance } from 'fastify';
import {
  APPOINTMENT_STATUSES,
  type Appointment,
  type AppointmentInput,
  AppointmentInputError,
  type AppointmentStatus,
  getAppointment,
  listAppointments,
  upsertAppointments,
} from '../../appointments/appointments.js';
import { importAppointmentsCsv } from '../../appointments/importAppointments.js';
import { phoneDigits } from '../../contacts/contacts.js';
import { readTimeZone } from '../../time/zoneNames.js';
import { HttpError, RequestValidationError } from '../errors.js';
import { csvBodyDocumentation, importCsvBody, registerMultipartCsv } from './csvUpload.js';
import type { ApiDeps } from './deps.js';
import { withImportLinks } from './imports.js';
import {
  documentedBody,
  type IdParams,
  idParams,
  idSchema,
  isoTimeSchema,
  type Paging,
  page,
  pagingProperties,
} from './schemas.js';

const TAGS = ['appointments'];

const appointmentFields = {
  startsAt: isoTimeSchema,
  timezone: { type: ['string', 'null'], maxLength: 100, description: "The appointment's IANA zone" },
  status: { type: 'string', enum: APPOINTMENT_STATUSES },
  attributes: {
    type: 'object',
    additionalProperties: true,
    description: 'Template variables, seen as appointment.<name>',
  },
} as const;

const createBody = {
  type: 'object',
  additionalProperties: false,
  required: ['externalId', 'phone', 'startsAt'],
  properties: {
    externalId: {
      type: 'string',
      minLength: 1,
      maxLength: 200,
      description: 'Your id: posting it again updates',
    },
    phone: { type: 'string', minLength: 1, maxLength: 40 },
    contactName: { type: ['string', 'null'], maxLength: 1000 },
    ...appointmentFields,
  },
} as const;

const listQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    ...pagingProperties,
    contactId: idSchema,
    status: { type: 'string', enum: APPOINTMENT_STATUSES },
    from: { ...isoTimeSchema, description: 'startsAt at or after' },
    to: { ...isoTimeSchema, description: 'startsAt before' },
  },
} as const;

interface AppointmentBody {
  externalId: string;
  phone: string;
  contactName?: string | null;
  startsAt: string;
  timezone?: string | null;
  status?: AppointmentStatus;
  attributes?: Record<string, unknown>;
}

type AppointmentPatch = Partial<Pick<AppointmentBody, 'startsAt' | 'timezone' | 'status' | 'attributes'>>;

/** Stores one appointment (reminders follow in the same transaction); its problems at their fields. */
async function upsertOne(
  deps: ApiDeps,
  input: AppointmentInput,
): Promise<{ appointment: Appointment; created: boolean }> {
  try {
    const [result] = await upsertAppointments(deps.db.sql, [input], {
      now: deps.clock.now(),
      defaultTimezone: deps.defaultTimezone,
    });
    if (!result) throw new HttpError(500, 'internal_error', 'the appointment was not stored');
    return { appointment: (await getAppointment(deps.db, result.id))!, created: result.created };
  } catch (error) {
    if (!(error instanceof AppointmentInputError)) throw error;
    throw new RequestValidationError(
      error.issues.map((issue) => ({ path: issue.field, message: issue.message })),
      'body',
    );
  }
}

function notFound(id: number): HttpError {
  return new HttpError(404, 'appointment_not_found', `appointment ${id} does not exist`, {
    appointmentId: id,
  });
}

/** Appointments: the reminders of reminder campaigns follow them (created, moved or skipped). */
export function registerAppointmentRoutes(api: FastifyInstance, deps: ApiDeps): void {
  const { db } = deps;

  api.get<{
    Querystring: Paging & { contactId?: number; status?: AppointmentStatus; from?: string; to?: string };
  }>(
    '/appointments',
    { schema: { tags: TAGS, summary: 'List appointments in start order', querystring: listQuery } },
    async (request) => {
      const { limit, offset, contactId, status, from, to } = request.query;
      const result = await listAppointments(db, {
        limit,
        offset,
        ...(contactId !== undefined ? { contactId } : {}),
        ...(status !== undefined ? { status } : {}),
        ...(from !== undefined ? { from: new Date(from) } : {}),
        ...(to !== undefined ? { to: new Date(to) } : {}),
      });
      return page(result, { limit, offset });
    },
  );

  api.post<{ Body: AppointmentBody }>(
    '/appointments',
    {
      schema: {
        tags: TAGS,
        summary: 'Create an appointment, or update the one with this externalId',
        description:
          'A phone no contact has yet makes a contact (without consent). Answers 201 when created, 200 when updated.',
        body: createBody,
      },
    },
    async (request, reply) => {
      const { phone, startsAt, ...fields } = request.body;
      const { appointment, created } = await upsertOne(deps, {
        ...fields,
        phone: phoneDigits(phone, deps.phoneRegion),
        startsAt: new Date(startsAt),
      });
      if (created) void reply.status(201).header('location', `/api/v1/appointments/${appointment.id}`);
      return appointment;
    },
  );

  api.get<{ Params: IdParams }>(
    '/appointments/:id',
    { schema: { tags: TAGS, summary: 'An appointment', params: idParams } },
    async (request) => {
      const appointment = await getAppointment(db, request.params.id);
      if (!appointment) throw notFound(request.params.id);
      return appointment;
    },
  );

  api.patch<{ Params: IdParams; Body: AppointmentPatch }>(
    '/appointments/:id',
    {
      schema: {
        tags: TAGS,
        summary: 'Reschedule an appointment or change its status',
        description:
          'A new startsAt moves its pending reminders (the status becomes rescheduled unless given); status ' +
          'cancelled skips them. Attributes given replace the stored ones.',
        params: idParams,
        body: {
          type: 'object',
          additionalProperties: false,
          minProperties: 1,
          properties: appointmentFields,
        },
      },
    },
    async (request) => {
      const existing = await getAppointment(db, request.params.id);
      if (!existing) throw notFound(request.params.id);
      const { startsAt, ...fields } = request.body;
      const { appointment } = await upsertOne(deps, {
        externalId: existing.externalId,
        phone: existing.phone,
        startsAt: startsAt === undefined ? existing.startsAt : new Date(startsAt),
        ...fields,
      });
      return appointment;
    },
  );

  // Multipart (a browser form's file) is read in the import route's scope only.
  void api.register(async (scope) => {
    await registerMultipartCsv(scope, deps.importBodyLimitBytes);
    registerAppointmentImportRoute(scope, deps);
  });
}

/** POST /appointments/import: an appointments CSV (text/csv, or the file of a multipart form). */
function registerAppointmentImportRoute(api: FastifyInstance, deps: ApiDeps): void {
  const { db } = deps;
  api.post<{ Querystring: { timezone?: string } }>(
    '/appointments/import',
    {
      schema: {
        tags: TAGS,
        summary:
          'Import appointments from a CSV (text/csv, or a multipart/form-data file), upserting by external_id',
        description:
          "Columns: external_id, phone, starts_at (ISO, with an offset or read in the row's timezone, the " +
          "contact's, else the `timezone` parameter), status, plus attribute columns. Bad rows (and a repeated " +
          'external_id) are listed in the report and never block good ones.',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            timezone: {
              type: 'string',
              description: 'The zone of starts_at times without an offset, e.g. Europe/Moscow',
            },
          },
        },
      },
      config: documentedBody(csvBodyDocumentation, 'The appointments CSV'),
    },
    async (request) =>
      withImportLinks(
        await importCsvBody(request, deps.importBodyLimitBytes, (input) =>
          importAppointmentsCsv(db.sql, input, {
            now: deps.clock.now(),
            phoneRegion: deps.phoneRegion,
            source: 'api',
            defaultTimezone: deps.defaultTimezone,
            ...importTimeZone(request.query.timezone),
          }),
        ),
      ),
  );
}

/** The import's `timezone` parameter, read as contacts' zones are (MSK, UTC+3…); a 400 naming it otherwise. */
function importTimeZone(text: string | undefined): { timezone?: string } {
  if (text === undefined || text.trim() === '') return {};
  const zone = readTimeZone(text);
  if (!zone.ok) throw new RequestValidationError([{ path: 'timezone', message: zone.reason }], 'query');
  return { timezone: zone.zone };
}
