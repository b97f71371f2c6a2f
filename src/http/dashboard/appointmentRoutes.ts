import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { getAppointment, listAppointments } from '../../appointments/appointments.js';
import { appointmentTimeline, reminderCountsOf } from '../../appointments/sql/appointmentTimeline.js';
import type { Database } from '../../db/database.js';
import { daysInMonth, instantsAtWallClock } from '../../time/timeZones.js';
import { HttpError } from '../errors.js';
import { appointmentDayPage, appointmentPage } from './appointmentPages.js';
import type { SafeHtml } from './html.js';
import { ID_PARAMS } from './routeSchemas.js';
import type { Session } from './session.js';
import type { Ui } from './ui.js';

const PAGE_SIZE = 100;
const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

export interface AppointmentRouteContext {
  db: Database;
  now(): Date;
  pageSession(request: FastifyRequest, reply: FastifyReply): Promise<Session | null>;
  uiOf(request: FastifyRequest): Ui;
  show(
    reply: FastifyReply,
    request: FastifyRequest,
    title: string,
    body: SafeHtml,
    session: Session,
  ): FastifyReply;
}

/** The first instant of a calendar day in a zone (its midnight, or the first minute after a gap). */
export function startOfDay(day: string, zone: string): Date {
  const [, y, m, d] = DAY.exec(day)!.map(Number) as [number, number, number, number];
  for (let minute = 0; minute < 24 * 60; minute += 30) {
    const [instant] = instantsAtWallClock(Date.UTC(y, m - 1, d, 0, minute), zone);
    if (instant !== undefined) return new Date(instant);
  }
  return new Date(Date.UTC(y, m - 1, d));
}

/** The day before or after, as YYYY-MM-DD (calendar arithmetic, no zone needed). */
export function shiftDay(day: string, days: number): string {
  const [, y, m, d] = DAY.exec(day)!.map(Number) as [number, number, number, number];
  return new Date(Date.UTC(y, m - 1, d + days)).toISOString().slice(0, 10);
}

function validDay(day: string): boolean {
  const match = DAY.exec(day);
  if (!match) return false;
  const [, y, m, d] = match.map(Number) as [number, number, number, number];
  return m >= 1 && m <= 12 && d >= 1 && d <= daysInMonth(y, m) && y >= 1970 && y <= 9999;
}

/** Operations' pages: a day's appointments (`/appointments?day=`) and one appointment's reminder timeline. */
export function registerAppointmentPages(scope: FastifyInstance, ctx: AppointmentRouteContext): void {
  scope.get<{ Querystring: { day?: string; page?: number } }>(
    '/appointments',
    {
      schema: {
        querystring: {
          type: 'object',
          properties: {
            day: { type: 'string', maxLength: 10 },
            page: { type: 'integer', minimum: 1, maximum: 100_000 },
          },
        },
      },
    },
    async (request, reply) => {
      const session = await ctx.pageSession(request, reply);
      if (session === null) return reply;
      const ui = ctx.uiOf(request);
      const day = request.query.day ?? ui.dayOf(ctx.now());
      if (!validDay(day)) throw new HttpError(400, 'invalid_day', 'day: expected a date such as 2026-11-27');
      const page = request.query.page ?? 1;
      const from = startOfDay(day, ui.zone);
      const to = startOfDay(shiftDay(day, 1), ui.zone);
      const list = await listAppointments(ctx.db, {
        from,
        to,
        limit: PAGE_SIZE,
        offset: (page - 1) * PAGE_SIZE,
      });
      const reminders = await reminderCountsOf(
        ctx.db.sql,
        list.items.map((a) => a.id),
      );
      const body = appointmentDayPage(ui, {
        day,
        previousDay: shiftDay(day, -1),
        nextDay: shiftDay(day, 1),
        items: list.items,
        reminders,
        total: list.total,
        page,
        pageSize: PAGE_SIZE,
      });
      return ctx.show(reply, request, ui.t('appointment.dayTitle'), body, session);
    },
  );

  scope.get(
    '/appointments/:id',
    {
      schema: { params: ID_PARAMS },
    },
    async (request, reply) => {
      const session = await ctx.pageSession(request, reply);
      if (session === null) return reply;
      const ui = ctx.uiOf(request);
      const { id } = request.params as { id: number };
      const appointment = await getAppointment(ctx.db, id);
      if (!appointment)
        throw new HttpError(404, 'appointment_not_found', ui.t('appointment.notFound', { id }));
      const timeline = await appointmentTimeline(ctx.db.sql, id);
      const body = appointmentPage(ui, appointment, timeline);
      return ctx.show(
        reply,
        request,
        ui.t('appointment.title', { externalId: appointment.externalId }),
        body,
        session,
      );
    },
  );
}
